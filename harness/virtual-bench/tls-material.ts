/**
 * Certificates for the bench's TLS services, generated at start with @peculiar/x509 on node's
 * webcrypto. Key generation is the slow part, so keys (and the lab CA) are made once per
 * process and reused; only the per-device certificates (which name the device address) are
 * issued per start.
 */
import { KeyObject, randomBytes, webcrypto } from 'node:crypto';
import type tls from 'node:tls';
import type * as X509 from '@peculiar/x509';

/** A certificate chain and key in PEM, ready for tls.createServer. */
export interface TlsMaterial {
  certPem: string;
  keyPem: string;
  /** The issuing CA's certificate, when the leaf is CA-issued. */
  caPem?: string;
}

type MetadataReflect = typeof Reflect & {
  getMetadata?: (key: unknown, target: object, prop?: PropertyKey) => unknown;
  getOwnMetadata?: (key: unknown, target: object, prop?: PropertyKey) => unknown;
  defineMetadata?: (key: unknown, value: unknown, target: object, prop?: PropertyKey) => void;
};

// @peculiar/x509 uses tsyringe, which refuses to load without a Reflect metadata API, and the
// reflect-metadata polyfill is not a dependency. x509 emits no design-time metadata, so a
// WeakMap store with the three calls tsyringe makes is enough; an existing polyfill wins.
function installReflectMetadata(): void {
  const r = Reflect as MetadataReflect;
  if (typeof r.getMetadata === 'function') return;
  const store = new WeakMap<object, Map<string, unknown>>();
  const slot = (key: unknown, prop?: PropertyKey): string => `${String(prop)}\u0000${String(key)}`;
  r.defineMetadata = (key, value, target, prop) => {
    let map = store.get(target);
    if (!map) store.set(target, (map = new Map()));
    map.set(slot(key, prop), value);
  };
  r.getOwnMetadata = (key, target, prop) => store.get(target)?.get(slot(key, prop));
  r.getMetadata = (key, target, prop) => {
    for (let o: object | null = target; o; o = Object.getPrototypeOf(o) as object | null) {
      const value = store.get(o)?.get(slot(key, prop));
      if (value !== undefined) return value;
    }
    return undefined;
  };
}

let x509Module: Promise<typeof X509> | undefined;
function loadX509(): Promise<typeof X509> {
  installReflectMetadata();
  // Imported lazily so the shim above runs before tsyringe's load-time check.
  return (x509Module ??= import('@peculiar/x509'));
}

const crypto = webcrypto as unknown as Crypto;
const ECDSA = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
const rsa = (bits: number): RsaHashedKeyGenParams => ({
  name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256', publicExponent: new Uint8Array([1, 0, 1]), modulusLength: bits,
});

const keyCache = new Map<string, Promise<CryptoKeyPair>>();
function cachedKeys(name: string, alg: EcKeyGenParams | RsaHashedKeyGenParams): Promise<CryptoKeyPair> {
  let keys = keyCache.get(name);
  if (!keys) {
    keys = crypto.subtle.generateKey(alg, true, ['sign', 'verify']) as Promise<CryptoKeyPair>;
    keyCache.set(name, keys);
  }
  return keys;
}

function keyToPem(key: CryptoKey): string {
  return KeyObject.from(key as unknown as webcrypto.CryptoKey).export({ type: 'pkcs8', format: 'pem' }) as string;
}

// x509's PEM has no final newline; OpenSSL needs one between concatenated certificates.
const pem = (cert: X509.X509Certificate): string => `${cert.toString('pem').trimEnd()}\n`;
const serial = (): string => `01${randomBytes(15).toString('hex')}`;
const DAY = 86_400_000;

/** A certificate authority: its key pair, certificate and PEM. */
export interface LabCa {
  keys: CryptoKeyPair;
  cert: X509.X509Certificate;
  pem: string;
}

async function makeCa(name: string, keys: CryptoKeyPair): Promise<LabCa> {
  const x509 = await loadX509();
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serial(),
    name,
    notBefore: new Date(Date.now() - DAY),
    notAfter: new Date(Date.now() + 30 * DAY),
    signingAlgorithm: ECDSA,
    keys,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey, false, crypto),
    ],
  }, crypto);
  return { keys, cert, pem: pem(cert) };
}

let labCa: Promise<LabCa> | undefined;
/** The process-wide lab CA that issues hardened devices' certificates. */
export function getLabCa(): Promise<LabCa> {
  return (labCa ??= (async () => makeCa('CN=trustlab virtual bench lab CA, O=trustlab', await cachedKeys('ca', ECDSA)))());
}

/** A new CA with its own fresh key (the update server makes one per start). */
export async function createCa(commonName: string): Promise<LabCa> {
  const keys = (await crypto.subtle.generateKey(ECDSA, true, ['sign', 'verify'])) as CryptoKeyPair;
  return makeCa(`CN=${commonName}, O=trustlab`, keys);
}

/** Subject alternative names of a leaf certificate. */
export interface LeafNames {
  ip?: string;
  dns?: string;
}

/**
 * An ECDSA server certificate for `names`, issued by `ca`; `expired` makes its validity end
 * a day before issue. The leaf key is shared per process (key generation is the slow part).
 */
export async function issueCertificate(ca: LabCa, subject: string, names: LeafNames, opts: { expired?: boolean } = {}): Promise<TlsMaterial> {
  const x509 = await loadX509();
  const keys = await cachedKeys('leaf-ec', ECDSA);
  const now = Date.now();
  const sans: X509.JsonGeneralName[] = [];
  if (names.ip !== undefined) sans.push({ type: 'ip', value: names.ip });
  if (names.dns !== undefined) sans.push({ type: 'dns', value: names.dns });
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: serial(),
    subject,
    issuer: ca.cert.subject,
    notBefore: new Date(opts.expired ? now - 30 * DAY : now - DAY),
    notAfter: new Date(opts.expired ? now - DAY : now + 7 * DAY),
    signingAlgorithm: ECDSA,
    publicKey: keys.publicKey,
    signingKey: ca.keys.privateKey,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      new x509.SubjectAlternativeNameExtension(sans),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      await x509.AuthorityKeyIdentifierExtension.create(ca.keys.publicKey, false, crypto),
    ],
  }, crypto);
  return { certPem: pem(cert) + ca.pem, keyPem: keyToPem(keys.privateKey), caPem: ca.pem };
}

function leafExtensions(x509: typeof X509, address: string): X509.Extension[] {
  return [
    new x509.BasicConstraintsExtension(false, undefined, true),
    new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
    new x509.SubjectAlternativeNameExtension([{ type: 'ip', value: address }]),
  ];
}

/** A TLS 1.2+ grade ECDSA certificate for the address, issued by the lab CA. */
export async function issueLabCertificate(deviceId: string, address: string): Promise<TlsMaterial> {
  return issueCertificate(await getLabCa(), `CN=${deviceId}, O=trustlab virtual bench`, { ip: address });
}

/** A self-signed RSA certificate; `expired` backdates it so that notAfter is in the past. */
export async function selfSignedCertificate(
  deviceId: string,
  address: string,
  opts: { bits: 1024 | 2048; expired: boolean },
): Promise<TlsMaterial> {
  const x509 = await loadX509();
  const alg = rsa(opts.bits);
  const keys = await cachedKeys(`rsa-${opts.bits}`, alg);
  const now = Date.now();
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serial(),
    name: `CN=${deviceId}, O=IoT Device`,
    // An expired certificate models firmware shipped with a 2-year cert that lapsed in 2017.
    notBefore: opts.expired ? new Date('2015-06-01T00:00:00Z') : new Date(now - DAY),
    notAfter: opts.expired ? new Date('2017-06-01T00:00:00Z') : new Date(now + 365 * DAY),
    signingAlgorithm: alg,
    keys,
    extensions: leafExtensions(x509, address),
  }, crypto);
  return { certPem: pem(cert), keyPem: keyToPem(keys.privateKey) };
}

/** Which TLS versions and ciphers a service accepts. */
export type TlsGrade = 'legacy' | 'modern';

/** Server TLS options for a certificate and a grade. */
export function tlsServerOptions(material: TlsMaterial, grade: TlsGrade): tls.TlsOptions {
  const base: tls.TlsOptions = { cert: material.certPem, key: material.keyPem };
  if (grade === 'legacy') {
    // TLS 1.0/1.1 really negotiate under OpenSSL 3 only at security level 0: level 1 forbids
    // the SHA-1 signatures those versions use (and an RSA-1024 key).
    return { ...base, minVersion: 'TLSv1', ciphers: 'DEFAULT:@SECLEVEL=0' };
  }
  return { ...base, minVersion: 'TLSv1.2' };
}
