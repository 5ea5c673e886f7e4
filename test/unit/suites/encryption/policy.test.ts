/**
 * The encryption policy tables: every entry carries a clause and a reason, patterns compile,
 * and table tests pin what each well-known algorithm is judged as and by which entry.
 */
import { describe, expect, it } from 'vitest';
import {
  certificates, dtls, judgeKey, judgeName, keyUniqueness, plaintextChannels, sshAlgorithms, tlsCipherSuites, tlsGroups, tlsVersions, type PolicyEntry,
} from '../../../../suites/encryption/policy.ts';
import { CIPHER_SUITES, NAMED_GROUPS } from '../../../../adapters/tls/registry.ts';

const allEntries: [string, PolicyEntry[]][] = [
  ['tls-versions', tlsVersions.entries], ['tls-cipher-suites', tlsCipherSuites.entries], ['tls-groups', tlsGroups.entries],
  ['certificates/keys', certificates.keys], ['certificates/signatureHashes', certificates.signatureHashes],
  ['ssh/protocol', sshAlgorithms.protocol], ['ssh/kex', sshAlgorithms.kex], ['ssh/hostKey', sshAlgorithms.hostKey],
  ['ssh/cipher', sshAlgorithms.cipher], ['ssh/mac', sshAlgorithms.mac], ['ssh/hostKeySizes', sshAlgorithms.hostKeySizes],
  ['dtls/versions', dtls.versions], ['dtls/modes', dtls.modes], ['plaintext', plaintextChannels.entries], ['key-uniqueness', keyUniqueness.entries],
];

describe('policy tables', () => {
  it('are versioned, and every entry names its clause and reason', () => {
    for (const t of [tlsVersions, tlsCipherSuites, tlsGroups, certificates, sshAlgorithms, dtls, plaintextChannels, keyUniqueness]) {
      expect(t.version).toMatch(/^\d+\.\d+\.\d+$/);
      expect(t.ref.id).toMatch(/^suites\/encryption\/data\//);
    }
    for (const [table, entries] of allEntries) {
      const ids = new Set<string>();
      for (const e of entries) {
        expect(e.clause, `${table}#${e.id}`).toMatch(/RFC|NIST|FIPS|ETSI|OASIS|OpenSSH|draft|CTM/);
        expect(e.why.length, `${table}#${e.id}`).toBeGreaterThan(5);
        expect(['allowed', 'disallowed', 'signal']).toContain(e.status);
        expect(ids.has(e.id), `${table}#${e.id} twice`).toBe(false);
        ids.add(e.id);
        if (e.pattern) expect(() => new RegExp(e.pattern!)).not.toThrow();
      }
    }
  });

  it('judges every cipher suite and group the probe can offer (none is left unknown)', () => {
    const unknownSuites = CIPHER_SUITES.filter((s) => judgeName('s', tlsCipherSuites.entries, s.name).status === 'unknown').map((s) => s.name);
    expect(unknownSuites).toEqual([]);
    const unknownGroups = NAMED_GROUPS.filter((g) => judgeName('g', tlsGroups.entries, g.name).status === 'unknown').map((g) => g.name);
    expect(unknownGroups).toEqual([]);
  });
});

describe('judgements', () => {
  const suite = (name: string): string | undefined => judgeName('tls-cipher-suites', tlsCipherSuites.entries, name).entry;
  it.each([
    ['TLS_RSA_WITH_NULL_SHA256', 'tls-cipher-suites#null-encryption', 'disallowed'],
    ['TLS_RSA_EXPORT_WITH_RC4_40_MD5', 'tls-cipher-suites#export', 'disallowed'],
    ['TLS_DH_anon_WITH_AES_128_GCM_SHA256', 'tls-cipher-suites#anonymous', 'disallowed'],
    ['TLS_ECDHE_RSA_WITH_RC4_128_SHA', 'tls-cipher-suites#rc4', 'disallowed'],
    ['TLS_RSA_WITH_3DES_EDE_CBC_SHA', 'tls-cipher-suites#3des', 'disallowed'],
    ['TLS_DHE_RSA_WITH_DES_CBC_SHA', 'tls-cipher-suites#single-des', 'disallowed'],
    ['TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256', 'tls-cipher-suites#ephemeral-aes-aead', 'allowed'],
    ['TLS_AES_256_GCM_SHA384', 'tls-cipher-suites#tls13-aes', 'allowed'],
    ['TLS_RSA_WITH_AES_128_CBC_SHA', 'tls-cipher-suites#static-key-transport', 'allowed'],
  ])('%s -> %s (%s)', (name, entry, status) => {
    expect(suite(name)).toBe(entry);
    expect(judgeName('tls-cipher-suites', tlsCipherSuites.entries, name).status).toBe(status);
  });

  it('judges SSH algorithms by category, and leaves an unknown name unknown', () => {
    const j = (cat: 'kex' | 'hostKey' | 'cipher' | 'mac', n: string): string => `${judgeName(cat, sshAlgorithms[cat], n).status}:${judgeName(cat, sshAlgorithms[cat], n).entry ?? ''}`;
    expect(j('kex', 'diffie-hellman-group1-sha1')).toBe('disallowed:kex#dh-group1-sha1');
    expect(j('kex', 'kex-strict-s-v00@openssh.com')).toBe('signal:kex#signals');
    expect(j('hostKey', 'ssh-dss')).toBe('disallowed:hostKey#ssh-dss');
    expect(j('cipher', 'rijndael-cbc@lysator.liu.se')).toBe('disallowed:cipher#cbc');
    expect(j('cipher', 'arcfour256')).toBe('disallowed:cipher#arcfour');
    expect(j('mac', 'hmac-sha2-256-etm@openssh.com')).toBe('allowed:mac#hmac-sha2');
    expect(j('mac', 'hmac-sha1-96')).toBe('disallowed:mac#hmac-truncated-96');
    expect(judgeName('kex', sshAlgorithms.kex, 'vendor-kex@example.com').status).toBe('unknown');
  });

  it('judges key sizes against the entry minimum', () => {
    expect(judgeKey('certificates', certificates.keys, 'rsa', 1024, 'leaf')).toMatchObject({ status: 'disallowed', entry: 'certificates#rsa-min-2048' });
    expect(judgeKey('certificates', certificates.keys, 'rsa', 2048, 'leaf').status).toBe('allowed');
    expect(judgeKey('certificates', certificates.keys, 'ec', 256, 'leaf').status).toBe('allowed');
    expect(judgeKey('certificates', certificates.keys, 'dsa', 2048, 'leaf').status).toBe('disallowed');
    expect(judgeKey('certificates', certificates.keys, 'x448', 448, 'leaf').status).toBe('unknown');
  });
});
