/**
 * The virtual bench's update manifest (MANIFEST.md): a small signed JSON document modelled on
 * the IETF SUIT manifest's ideas (vendor and class conditions, image digest and size, a
 * signature over the canonical bytes). Signing and verification use node:crypto only, so the
 * harness (which signs test images) and the emulated device (which verifies them) share it.
 */
import { createHash, createPublicKey, sign, verify, type KeyObject } from 'node:crypto';
import { canonicalBytes } from '../../reports/canonical-json.ts';

export const MANIFEST_VERSION = 1;

/** Signature algorithms a manifest may carry. */
export type ManifestSignatureAlg = 'Ed25519' | 'ES256';

export interface ManifestSignature {
  alg: ManifestSignatureAlg;
  /** sha256 of the signer's SPKI DER, hex: which key signed (never the key itself). */
  keyId: string;
  /** base64 signature over canonicalBytes(manifest without `signature`); ES256 is r||s (P1363). */
  value: string;
}

/** An update manifest as served; `signature` is absent on an unsigned manifest. */
export interface UpdateManifest {
  manifestVersion: typeof MANIFEST_VERSION;
  vendor: string;
  model: string;
  /** Dotted numeric firmware version of the image ("3.2.2"); ordering is numeric per part. */
  version: string;
  image: { uri: string; size: number; digest: { alg: 'sha-256'; value: string } };
  signature?: ManifestSignature;
}

/** The bytes a signature covers: RFC 8785 canonical JSON of the manifest without its signature. */
export function signedBytes(manifest: UpdateManifest): Buffer {
  const { signature: _signature, ...body } = manifest;
  return canonicalBytes(body);
}

/** The key id of a public key: sha256 of its SPKI DER, hex. */
export function keyIdOf(key: KeyObject): string {
  const pub = key.type === 'private' ? createPublicKey(key) : key;
  return createHash('sha256').update(pub.export({ type: 'spki', format: 'der' })).digest('hex');
}

function algOf(key: KeyObject): ManifestSignatureAlg {
  if (key.asymmetricKeyType === 'ed25519') return 'Ed25519';
  if (key.asymmetricKeyType === 'ec' && key.asymmetricKeyDetails?.namedCurve === 'prime256v1') return 'ES256';
  throw new Error(`manifest keys are Ed25519 or ECDSA P-256, not ${key.asymmetricKeyType ?? 'unknown'}`);
}

/** Sign a manifest with a private key (Ed25519 or ECDSA P-256); returns a new object. */
export function signManifest(manifest: UpdateManifest, privateKey: KeyObject): UpdateManifest {
  const alg = algOf(privateKey);
  const data = signedBytes(manifest);
  const value = alg === 'Ed25519' ? sign(null, data, privateKey) : sign('sha256', data, { key: privateKey, dsaEncoding: 'ieee-p1363' });
  return { ...manifest, signature: { alg, keyId: keyIdOf(privateKey), value: value.toString('base64') } };
}

/** Why a manifest signature is not acceptable, or undefined when it verifies with `publicKey`. */
export function signatureProblem(manifest: UpdateManifest, publicKey: KeyObject): string | undefined {
  const sig = manifest.signature;
  if (!sig) return 'the manifest is not signed';
  let expected: ManifestSignatureAlg;
  try {
    expected = algOf(publicKey);
  } catch (err) {
    return (err as Error).message;
  }
  if (sig.alg !== expected) return `signature algorithm ${sig.alg} is not the trusted key's ${expected}`;
  const data = signedBytes(manifest);
  const raw = Buffer.from(sig.value, 'base64');
  const ok = expected === 'Ed25519' ? verify(null, data, publicKey, raw) : verify('sha256', data, { key: publicKey, dsaEncoding: 'ieee-p1363' }, raw);
  return ok ? undefined : `the signature does not verify with the trusted key ${keyIdOf(publicKey).slice(0, 16)}`;
}

/** Why an image does not match its manifest, or undefined when size and digest match. */
export function imageProblem(manifest: UpdateManifest, image: Uint8Array): string | undefined {
  if (image.length !== manifest.image.size) return `image is ${image.length} bytes, the manifest says ${manifest.image.size}`;
  const digest = createHash('sha256').update(image).digest('hex');
  return digest === manifest.image.digest.value ? undefined : `image sha-256 ${digest.slice(0, 16)}… differs from the manifest's`;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Parse manifest JSON; returns the manifest or why it is malformed. */
export function parseManifest(text: string): UpdateManifest | string {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return 'the manifest is not JSON';
  }
  if (!isObject(v) || v.manifestVersion !== MANIFEST_VERSION) return `manifestVersion must be ${MANIFEST_VERSION}`;
  if (typeof v.vendor !== 'string' || typeof v.model !== 'string') return 'vendor and model must be strings';
  if (typeof v.version !== 'string' || parseVersion(v.version) === undefined) return 'version must be dotted numbers';
  const image = v.image;
  if (!isObject(image) || typeof image.uri !== 'string' || !Number.isInteger(image.size) || !isObject(image.digest)
    || image.digest.alg !== 'sha-256' || typeof image.digest.value !== 'string') return 'image needs uri, size and a sha-256 digest';
  const sig = v.signature;
  if (sig !== undefined && (!isObject(sig) || (sig.alg !== 'Ed25519' && sig.alg !== 'ES256') || typeof sig.value !== 'string' || typeof sig.keyId !== 'string')) {
    return 'signature needs alg (Ed25519 or ES256), keyId and value';
  }
  return v as unknown as UpdateManifest;
}

/** Parts of a dotted numeric version ("3.2.1" -> [3, 2, 1]); undefined when it is not one. */
export function parseVersion(version: string): number[] | undefined {
  if (!/^\d{1,6}(\.\d{1,6}){0,3}$/.test(version)) return undefined;
  return version.split('.').map(Number);
}

/** Numeric comparison of dotted versions (missing parts are 0): <0, 0 or >0. */
export function compareVersions(a: string, b: string): number {
  const x = parseVersion(a) ?? [];
  const y = parseVersion(b) ?? [];
  for (let i = 0; i < Math.max(x.length, y.length); i++) {
    const d = (x[i] ?? 0) - (y[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}
