/**
 * Facts about a certificate chain as a server presented it: dates, key type and size,
 * signature algorithm, self-signed or not, whether the leaf names the address used, and
 * whether the chain leads to a CA the lab was given. Facts only; the suite judges them.
 */
import { X509Certificate, createHash } from 'node:crypto';
import net from 'node:net';
import { signatureAlgorithm } from './der.ts';

/** What one certificate says about itself. */
export interface CertificateFacts {
  subject: string;
  issuer: string;
  serialNumber: string;
  notBefore: string;
  notAfter: string;
  selfSigned: boolean;
  isCa: boolean;
  keyType: string;
  /** RSA/DSA modulus bits, EC curve bits, 256/456 for Ed25519/Ed448. */
  keyBits: number;
  curve?: string;
  signature: { name: string; hash: string; oid: string };
  subjectAltName?: string;
  /** sha256 of the DER SubjectPublicKeyInfo: equal on two units means one shared key. */
  spkiSha256: string;
  fingerprint256: string;
  pem: string;
}

function curveBits(curve: string): number {
  if (curve === 'prime256v1') return 256;
  const m = /(\d{3})/.exec(curve);
  return m ? Number(m[1]) : 0;
}

function selfSigned(x: X509Certificate): boolean {
  try {
    return x.checkIssued(x) && x.verify(x.publicKey);
  } catch {
    return false;
  }
}

/** Read the facts of one DER certificate. */
export function describeCertificate(der: Buffer): CertificateFacts {
  const x = new X509Certificate(der);
  const key = x.publicKey;
  const details = key.asymmetricKeyDetails ?? {};
  const keyType = key.asymmetricKeyType ?? 'unknown';
  const curve = details.namedCurve;
  const keyBits = details.modulusLength ?? (curve ? curveBits(curve) : keyType === 'ed25519' ? 256 : keyType === 'ed448' ? 456 : 0);
  const spki = key.export({ type: 'spki', format: 'der' });
  return {
    subject: x.subject.replace(/\n/g, ', '),
    issuer: x.issuer.replace(/\n/g, ', '),
    serialNumber: x.serialNumber,
    notBefore: new Date(x.validFrom).toISOString(),
    notAfter: new Date(x.validTo).toISOString(),
    selfSigned: selfSigned(x),
    isCa: x.ca,
    keyType,
    keyBits,
    ...(curve ? { curve } : {}),
    signature: signatureAlgorithm(der),
    ...(x.subjectAltName ? { subjectAltName: x.subjectAltName } : {}),
    spkiSha256: createHash('sha256').update(spki).digest('hex'),
    fingerprint256: x.fingerprint256,
    pem: x.toString(),
  };
}

/** True when the certificate names the address in an iPAddress (or, for names, DNS) SAN. */
export function namesAddress(der: Buffer, address: string): boolean {
  const x = new X509Certificate(der);
  // RFC 9525 §6.3: an IP address matches only an iPAddress SAN, never the subject CN.
  return net.isIP(address) ? x.checkIP(address) !== undefined : x.checkHost(address, { subject: 'never' }) !== undefined;
}

/** Split a PEM bundle into certificates. */
export function parsePemBundle(pem: string): X509Certificate[] {
  const blocks = pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
  return blocks.map((b) => new X509Certificate(b));
}

/** Does the presented chain lead from the leaf to one of the given CAs by verified signatures? */
export function chainsTo(chain: readonly Buffer[], cas: readonly X509Certificate[]): { ok: boolean; path: string[]; why: string } {
  if (chain.length === 0) return { ok: false, path: [], why: 'no certificate was presented' };
  const presented = chain.map((d) => new X509Certificate(d));
  const signs = (issuer: X509Certificate, subject: X509Certificate): boolean => {
    try {
      return subject.checkIssued(issuer) && subject.verify(issuer.publicKey);
    } catch {
      // OpenSSL refuses some key/signature pairings outright: that is "not signed by", not a fault.
      return false;
    }
  };
  let current = presented[0]!;
  const path = [current.subject.replace(/\n/g, ', ')];
  for (let depth = 0; depth < 8; depth += 1) {
    const anchor = cas.find((ca) => signs(ca, current));
    if (anchor) return { ok: true, path: [...path, anchor.subject.replace(/\n/g, ', ')], why: 'signed by the declared CA' };
    const next = presented.find((c) => c !== current && !signs(c, c) && signs(c, current));
    if (!next) break;
    current = next;
    path.push(current.subject.replace(/\n/g, ', '));
  }
  return { ok: false, path, why: `no signature path from the leaf to the declared CA (stopped at "${path[path.length - 1]}")` };
}
