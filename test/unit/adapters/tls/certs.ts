/**
 * Test certificates made to order with @peculiar/x509: key type and size, signature hash,
 * validity window, subjectAltName IP, and issuer (self-signed or a given CA), so each
 * certificate rule can be shown to fail and to pass.
 */
import { KeyObject, webcrypto } from 'node:crypto';
import type * as X509 from '@peculiar/x509';
import { getLabCa } from '../../../../harness/virtual-bench/tls-material.ts';

const crypto = webcrypto as unknown as Crypto;
const DAY = 86_400_000;

let loaded: Promise<typeof X509> | undefined;
// @peculiar/x509 needs a Reflect metadata API at load time; the bench's certificate code installs
// one, so it is loaded through there first instead of pulling a second polyfill into the tests.
function x509Module(): Promise<typeof X509> {
  return (loaded ??= getLabCa().then(() => import('@peculiar/x509')));
}

/** What to make. */
export interface CertSpec {
  cn: string;
  key: { kind: 'rsa'; bits: number } | { kind: 'ec'; curve: 'P-256' | 'P-384' };
  hash?: 'SHA-1' | 'SHA-256' | 'SHA-384';
  ip?: string;
  notBefore?: Date;
  notAfter?: Date;
  ca?: boolean;
  /** Issuer; self-signed when absent. */
  issuer?: MadeCert;
}

/** A made certificate with its keys. */
export interface MadeCert {
  cert: X509.X509Certificate;
  keys: CryptoKeyPair;
  certPem: string;
  keyPem: string;
  der: Buffer;
  alg: RsaHashedKeyGenParams | EcKeyGenParams;
}

/** Make one certificate. */
export async function makeCert(spec: CertSpec): Promise<MadeCert> {
  const x509 = await x509Module();
  const hash = spec.hash ?? 'SHA-256';
  const alg = spec.key.kind === 'rsa'
    ? { name: 'RSASSA-PKCS1-v1_5', hash, publicExponent: new Uint8Array([1, 0, 1]), modulusLength: spec.key.bits }
    : { name: 'ECDSA', namedCurve: spec.key.curve, hash };
  const keys = (await crypto.subtle.generateKey(alg, true, ['sign', 'verify'])) as CryptoKeyPair;
  const extensions: X509.Extension[] = [new x509.BasicConstraintsExtension(spec.ca === true, undefined, true)];
  if (spec.ip) extensions.push(new x509.SubjectAlternativeNameExtension([{ type: 'ip', value: spec.ip }]));
  const issuer = spec.issuer;
  const signingAlgorithm = issuer ? { ...issuer.alg, hash } : { ...alg, hash };
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: '01' + Math.floor(Math.random() * 1e12).toString(16),
    subject: `CN=${spec.cn}`,
    issuer: issuer ? issuer.cert.subject : `CN=${spec.cn}`,
    notBefore: spec.notBefore ?? new Date(Date.now() - DAY),
    notAfter: spec.notAfter ?? new Date(Date.now() + 30 * DAY),
    signingAlgorithm,
    publicKey: keys.publicKey,
    signingKey: issuer ? issuer.keys.privateKey : keys.privateKey,
    extensions,
  });
  const keyPem = KeyObject.from(keys.privateKey as unknown as webcrypto.CryptoKey).export({ type: 'pkcs8', format: 'pem' }) as string;
  return { cert, keys, certPem: `${cert.toString('pem').trimEnd()}\n`, keyPem, der: Buffer.from(cert.rawData), alg };
}
