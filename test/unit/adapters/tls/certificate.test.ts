/**
 * Certificate facts: signature algorithm read from the DER (SHA-1 and SHA-256, RSA and ECDSA),
 * key type and size, self-signed, iPAddress SAN match, and chains that do or do not lead to a
 * declared CA by verified signatures.
 */
import { describe, expect, it } from 'vitest';
import { chainsTo, describeCertificate, namesAddress, parsePemBundle } from '../../../../adapters/tls/certificate.ts';
import { decodeOid } from '../../../../adapters/tls/der.ts';
import { makeCert } from './certs.ts';

describe('describeCertificate', () => {
  it('reads a SHA-1 RSA-1024 self-signed certificate as such', async () => {
    const c = await makeCert({ cn: 'old', key: { kind: 'rsa', bits: 1024 }, hash: 'SHA-1', ip: '127.0.0.9' });
    const f = describeCertificate(c.der);
    expect(f.signature).toEqual({ name: 'sha1WithRSAEncryption', hash: 'sha1', oid: '1.2.840.113549.1.1.5' });
    expect([f.keyType, f.keyBits, f.selfSigned]).toEqual(['rsa', 1024, true]);
    expect(f.spkiSha256).toMatch(/^[0-9a-f]{64}$/);
    expect(f.pem).toContain('BEGIN CERTIFICATE');
  });

  it('reads an ECDSA P-384 certificate issued by a CA', async () => {
    const ca = await makeCert({ cn: 'ca', key: { kind: 'ec', curve: 'P-256' }, ca: true });
    const leaf = await makeCert({ cn: 'leaf', key: { kind: 'ec', curve: 'P-384' }, hash: 'SHA-384', issuer: ca, ip: '127.0.0.9' });
    const f = describeCertificate(leaf.der);
    expect(f.signature.name).toBe('ecdsa-with-SHA384');
    expect([f.keyType, f.keyBits, f.curve, f.selfSigned, f.isCa]).toEqual(['ec', 384, 'secp384r1', false, false]);
    expect(describeCertificate(ca.der).isCa).toBe(true);
  });

  it('decodes OIDs with multi-byte arcs', () => {
    expect(decodeOid(Buffer.from('2a864886f70d01010b', 'hex'))).toBe('1.2.840.113549.1.1.11');
  });
});

describe('namesAddress and chainsTo', () => {
  it('matches the address only through an iPAddress SAN', async () => {
    const withSan = await makeCert({ cn: '127.0.0.9', key: { kind: 'ec', curve: 'P-256' }, ip: '127.0.0.9' });
    const cnOnly = await makeCert({ cn: '127.0.0.9', key: { kind: 'ec', curve: 'P-256' } });
    expect(namesAddress(withSan.der, '127.0.0.9')).toBe(true);
    expect(namesAddress(withSan.der, '127.0.0.10')).toBe(false);
    expect(namesAddress(cnOnly.der, '127.0.0.9')).toBe(false);
  });

  it('follows leaf -> intermediate -> declared CA, and refuses a foreign CA or a self-signed leaf', async () => {
    const root = await makeCert({ cn: 'root', key: { kind: 'ec', curve: 'P-256' }, ca: true });
    const mid = await makeCert({ cn: 'mid', key: { kind: 'ec', curve: 'P-256' }, ca: true, issuer: root });
    const leaf = await makeCert({ cn: 'leaf', key: { kind: 'ec', curve: 'P-256' }, issuer: mid });
    const foreign = await makeCert({ cn: 'root', key: { kind: 'ec', curve: 'P-256' }, ca: true });
    const ok = chainsTo([leaf.der, mid.der], parsePemBundle(root.certPem));
    expect(ok.ok).toBe(true);
    expect(ok.path).toEqual(['CN=leaf', 'CN=mid', 'CN=root']);
    // Same subject name, other key: only a verified signature counts.
    expect(chainsTo([leaf.der, mid.der], parsePemBundle(foreign.certPem)).ok).toBe(false);
    expect(chainsTo([leaf.der], parsePemBundle(root.certPem)).ok).toBe(false);
    const selfSigned = await makeCert({ cn: 'dev', key: { kind: 'rsa', bits: 2048 } });
    expect(chainsTo([selfSigned.der], parsePemBundle(root.certPem + mid.certPem)).ok).toBe(false);
    expect(chainsTo([], []).why).toMatch(/no certificate/);
  });
});
