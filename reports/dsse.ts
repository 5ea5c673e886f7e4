/**
 * DSSE (Dead Simple Signing Envelope) v1 with Ed25519: what `report.intoto.json` holds.
 * The signature covers PAE(payloadType, body), never the base64 text.
 */

import { createPublicKey, sign, verify, type KeyObject } from 'node:crypto';
import { TrustlabError } from '../harness/errors.ts';
import { keyIdFor } from './keys.ts';

/** payloadType of an in-toto Statement. */
export const PAYLOAD_TYPE_INTOTO = 'application/vnd.in-toto+json';

/** One signature of an envelope; `keyid` is a hint only. */
export interface DsseSignature {
  keyid?: string;
  sig: string;
}

/** A DSSE envelope as serialised to JSON. */
export interface DsseEnvelope {
  payload: string;
  payloadType: string;
  signatures: DsseSignature[];
}

/** What a successful verification yields: exactly the bytes the signature covered. */
export interface VerifiedPayload {
  payloadType: string;
  body: Buffer;
  /** keyid of the signature that verified (empty if it carried none). */
  keyid: string;
}

/** Pre-Authentication Encoding: `DSSEv1 SP len(type) SP type SP len(body) SP body`, lengths in bytes. */
export function pae(payloadType: string, body: Uint8Array): Buffer {
  const type = Buffer.from(payloadType, 'utf8');
  const head = Buffer.from(`DSSEv1 ${type.length} `, 'ascii');
  const mid = Buffer.from(` ${body.length} `, 'ascii');
  return Buffer.concat([head, type, mid, body]);
}

/** Sign `body` as `payloadType` with an Ed25519 private key. */
export function signEnvelope(payloadType: string, body: Uint8Array, privateKey: KeyObject): DsseEnvelope {
  if (privateKey.type !== 'private' || privateKey.asymmetricKeyType !== 'ed25519') {
    throw new TrustlabError('TL_SIGN', `signing needs an Ed25519 private key, got a ${privateKey.asymmetricKeyType ?? 'symmetric'} ${privateKey.type} key`);
  }
  let sig: Buffer;
  try {
    sig = sign(null, pae(payloadType, body), privateKey);
  } catch (err) {
    throw new TrustlabError('TL_SIGN', `Ed25519 signing failed: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
  return {
    payload: Buffer.from(body).toString('base64'),
    payloadType,
    signatures: [{ keyid: keyIdFor(createPublicKey(privateKey)), sig: sig.toString('base64') }],
  };
}

/** The one text layout trustlab writes envelopes in: 2-space JSON, DSSE field order, final newline. */
export function serializeEnvelope(env: DsseEnvelope): string {
  const signatures = env.signatures.map((s) => (s.keyid === undefined ? { sig: s.sig } : { keyid: s.keyid, sig: s.sig }));
  return `${JSON.stringify({ payload: env.payload, payloadType: env.payloadType, signatures }, null, 2)}\n`;
}

/**
 * Check the envelope's shape and that at least one signature verifies with `publicKey`.
 * Returns only the bytes that were verified: callers must parse these, never `envelope.payload`.
 */
export function verifyEnvelope(envelope: unknown, publicKey: KeyObject): VerifiedPayload {
  if (publicKey.asymmetricKeyType !== 'ed25519') {
    throw new TrustlabError('TL_VERIFY', `the verification key is ${publicKey.asymmetricKeyType ?? 'symmetric'}, not Ed25519`);
  }
  const env = requireRecord(envelope, 'envelope');
  rejectUnknownFields(env, ['payload', 'payloadType', 'signatures'], 'envelope');
  if (typeof env.payloadType !== 'string' || env.payloadType === '') {
    throw new TrustlabError('TL_VERIFY', 'envelope: "payloadType" must be a non-empty string');
  }
  if (typeof env.payload !== 'string') {
    throw new TrustlabError('TL_VERIFY', 'envelope: "payload" must be a base64 string');
  }
  if (!Array.isArray(env.signatures) || env.signatures.length === 0) {
    throw new TrustlabError('TL_VERIFY', 'envelope: "signatures" must be a non-empty array');
  }
  const payloadType = env.payloadType;
  const body = decodeBase64(env.payload, 'envelope "payload"');
  const message = pae(payloadType, body);
  const pubKeyObject = publicKey.type === 'private' ? createPublicKey(publicKey) : publicKey;
  const sigs = env.signatures.map((s, i) => parseSignature(s, i));
  for (const s of sigs) {
    // Ed25519 signatures are 64 bytes; anything else cannot verify and crypto.verify may throw on it.
    if (s.sig.length === 64 && verify(null, message, pubKeyObject, s.sig)) {
      return { payloadType, body, keyid: s.keyid };
    }
  }
  throw new TrustlabError(
    'TL_VERIFY',
    `envelope: none of its ${sigs.length} signature(s) verifies with the given key (key id ${keyIdFor(pubKeyObject)}); ` +
      'the payload, its payloadType or the signature was changed, or it was signed with another key',
  );
}

function parseSignature(value: unknown, index: number): { keyid: string; sig: Buffer } {
  const where = `envelope: signatures[${index}]`;
  const rec = requireRecord(value, where);
  rejectUnknownFields(rec, ['keyid', 'sig'], where);
  if (rec.keyid !== undefined && typeof rec.keyid !== 'string') {
    throw new TrustlabError('TL_VERIFY', `${where}: "keyid" must be a string`);
  }
  if (typeof rec.sig !== 'string') {
    throw new TrustlabError('TL_VERIFY', `${where}: "sig" must be a base64 string`);
  }
  return { keyid: rec.keyid ?? '', sig: decodeBase64(rec.sig, `${where}.sig`) };
}

/**
 * Strict base64 (standard or URL-safe, padding optional, as DSSE allows). Buffer.from would
 * silently skip junk characters and ignore stray low bits, so the text is checked to be the
 * one canonical encoding of the bytes it decodes to.
 */
function decodeBase64(text: string, what: string): Buffer {
  const standard = /^[A-Za-z0-9+/]*={0,2}$/.test(text);
  const urlSafe = /^[A-Za-z0-9_-]*={0,2}$/.test(text);
  if (!standard && !urlSafe) {
    throw new TrustlabError('TL_VERIFY', `${what}: is not base64 (characters outside the alphabet)`);
  }
  const unpadded = text.replace(/=+$/, '');
  if (unpadded.length % 4 === 1 || (text.length !== unpadded.length && text.length % 4 !== 0)) {
    throw new TrustlabError('TL_VERIFY', `${what}: is not base64 (bad length or padding)`);
  }
  const bytes = Buffer.from(unpadded, standard ? 'base64' : 'base64url');
  const again = bytes.toString(standard ? 'base64' : 'base64url').replace(/=+$/, '');
  if (again !== unpadded) {
    throw new TrustlabError('TL_VERIFY', `${what}: is not canonical base64 (unused bits set)`);
  }
  return bytes;
}

function requireRecord(value: unknown, what: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new TrustlabError('TL_VERIFY', `${what}: must be a JSON object`);
  }
  return value as Record<string, unknown>;
}

// Fields outside the DSSE schema are not covered by the signature; accepting them would let
// anyone add bytes to a signed envelope unnoticed.
function rejectUnknownFields(rec: Record<string, unknown>, allowed: readonly string[], what: string): void {
  const extra = Object.keys(rec).filter((k) => !allowed.includes(k));
  if (extra.length > 0) {
    throw new TrustlabError('TL_VERIFY', `${what}: unexpected field(s) ${extra.map((k) => JSON.stringify(k)).join(', ')}`);
  }
}
