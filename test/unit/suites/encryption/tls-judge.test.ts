/**
 * CTM-EN-01 judgements over fabricated endpoint reports: each certificate rule and each suite,
 * group and prime rule can fail on its own, the trust anchor's self-signature is not judged,
 * and an item no table knows makes the finding inconclusive, never a silent pass.
 */
import { describe, expect, it } from 'vitest';
import type { TlsEndpointReport } from '../../../../adapters/tls/endpoint.ts';
import type { CertificateFacts } from '../../../../adapters/tls/certificate.ts';
import { judgeCertificate, judgeSuitesAndGroups, judgeVersions } from '../../../../suites/encryption/tls-judge.ts';
import { toResult } from '../../../../suites/encryption/findings.ts';
import { tlsCipherSuites } from '../../../../suites/encryption/policy.ts';

const NOW = new Date('2026-06-01T00:00:00Z');
function cert(over: Partial<CertificateFacts>): CertificateFacts {
  return {
    subject: 'CN=dev', issuer: 'CN=ca', serialNumber: '01', notBefore: '2026-01-01T00:00:00.000Z', notAfter: '2027-01-01T00:00:00.000Z',
    selfSigned: false, isCa: false, keyType: 'ec', keyBits: 256, curve: 'prime256v1',
    signature: { name: 'ecdsa-with-SHA256', hash: 'sha256', oid: '1.2.840.10045.4.3.2' }, spkiSha256: 'aa', fingerprint256: 'AA', pem: '', ...over,
  };
}
function report(over: Partial<TlsEndpointReport>): TlsEndpointReport {
  return {
    address: '192.0.2.10', port: 443, versions: [], suites: {}, groups: { tls13: [], ecdhe: [], dhBits: [] },
    chain: [cert({})], chainSource: 'handshake', namesAddress: true, transcripts: [], probes: 0, ...over,
  };
}
const entries = (js: { entry?: string; status: string }[]): string[] => js.filter((j) => j.status === 'disallowed').map((j) => j.entry!);

describe('judgeCertificate', () => {
  it('passes a good chain and ignores the anchor\'s own SHA-1 self-signature', () => {
    const anchor = cert({ subject: 'CN=ca', selfSigned: true, isCa: true, signature: { name: 'sha1WithRSAEncryption', hash: 'sha1', oid: '' }, keyType: 'rsa', keyBits: 1024 });
    const r = judgeCertificate(report({ chain: [cert({}), anchor] }), NOW, { declared: false });
    expect(entries(r.judgements)).toEqual([]);
    expect(r.notApplicable).toEqual(['chain to the declared CA: no CA is declared for this device (declared.tlsCa)']);
  });

  it('fails each rule on its own', () => {
    const future = judgeCertificate(report({ chain: [cert({ notBefore: '2026-12-01T00:00:00.000Z' })] }), NOW, { declared: false });
    expect(entries(future.judgements)).toEqual(['certificates#validity-period']);
    const sha1Mid = judgeCertificate(report({ chain: [cert({}), cert({ subject: 'CN=mid', signature: { name: 'sha1WithRSAEncryption', hash: 'sha1', oid: '' } })] }), NOW, { declared: false });
    expect(entries(sha1Mid.judgements)).toEqual(['certificates#sha1']);
    const wrongName = judgeCertificate(report({ namesAddress: false }), NOW, { declared: false });
    expect(entries(wrongName.judgements)).toEqual(['certificates#address-in-san']);
    const badChain = judgeCertificate(report({ chainToCa: { ok: false, path: ['CN=dev'], why: 'no path' } }), NOW, { declared: true });
    expect(entries(badChain.judgements)).toEqual(['certificates#chain-to-declared-ca']);
  });

  it('cannot judge a missing chain or an unreadable declared CA', () => {
    expect(judgeCertificate(report({ chain: [] }), NOW, { declared: false }).judgements[0]!.status).toBe('unknown');
    const unreadable = judgeCertificate(report({}), NOW, { declared: true, error: '/x.pem: ENOENT' });
    expect(unreadable.judgements.find((j) => j.status === 'unknown')?.why).toMatch(/ENOENT/);
  });
});

describe('judgeVersions and judgeSuitesAndGroups', () => {
  it('judges only accepted versions', () => {
    const r = report({ versions: [
      { version: 'SSL 3.0', accepted: true, raw: 'ServerHello SSL 3.0' }, { version: 'TLS 1.2', accepted: true, raw: '' }, { version: 'TLS 1.0', accepted: false, raw: 'alert' },
    ] });
    expect(entries(judgeVersions(r))).toEqual(['tls-versions#ssl-3.0']);
  });

  it('fails weak suites, deprecated curves and small DH primes', () => {
    const r = report({
      suites: { 'TLS 1.2': ['TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256', 'TLS_RSA_WITH_RC4_128_SHA'] },
      groups: { tls13: ['x25519'], ecdhe: ['secp192r1', 'secp256r1'], dhBits: [1024] },
    });
    expect(entries(judgeSuitesAndGroups(r))).toEqual(['tls-cipher-suites#rc4', 'tls-groups#deprecated-curves', 'tls-groups#dh-prime-min']);
  });

  it('turns an unknown suite into an inconclusive finding that says why', () => {
    const r = report({ suites: { 'TLS 1.2': ['TLS_GOSTR341112_256_WITH_KUZNYECHIK_CTR_OMAC'] } });
    const result = toResult({ testId: 'CTM-EN-01', subject: 'suites', judgements: judgeSuitesAndGroups(r), tables: [tlsCipherSuites.ref] });
    expect(result.status).toBe('inconclusive');
    expect(result.summary).toMatch(/no entry of tls-cipher-suites matches/);
  });
});
