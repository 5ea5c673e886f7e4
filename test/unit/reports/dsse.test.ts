import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { TrustlabError } from '../../../harness/errors.ts';
import { pae, PAYLOAD_TYPE_INTOTO, signEnvelope, verifyEnvelope, type DsseEnvelope } from '../../../reports/dsse.ts';
import { keyIdFor } from '../../../reports/keys.ts';

const lab = generateKeyPairSync('ed25519');
const other = generateKeyPairSync('ed25519');
const body = Buffer.from('{"_type":"https://in-toto.io/Statement/v1","n":"\u00e9"}', 'utf8');

function verifyError(envelope: unknown, key: KeyObject = lab.publicKey): TrustlabError {
  try {
    verifyEnvelope(envelope, key);
  } catch (err) {
    expect(err).toBeInstanceOf(TrustlabError);
    expect((err as TrustlabError).code).toBe('TL_VERIFY');
    return err as TrustlabError;
  }
  throw new Error('expected verification to fail');
}

function signed(): DsseEnvelope {
  return signEnvelope(PAYLOAD_TYPE_INTOTO, body, lab.privateKey);
}

describe('pae', () => {
  it('matches the DSSE spec test vector', () => {
    expect(pae('http://example.com/HelloWorld', Buffer.from('hello world')).toString('latin1')).toBe(
      'DSSEv1 29 http://example.com/HelloWorld 11 hello world',
    );
  });

  it('counts bytes, not characters', () => {
    const out = pae('t\u00e9', Buffer.from('\u20ac', 'utf8'));
    expect(out.equals(Buffer.concat([Buffer.from('DSSEv1 3 t\u00e9 3 ', 'utf8'), Buffer.from('\u20ac', 'utf8')]))).toBe(true);
    expect(pae('', new Uint8Array()).toString()).toBe('DSSEv1 0  0 ');
  });
});

describe('signEnvelope / verifyEnvelope', () => {
  it('round-trips and returns exactly the signed bytes', () => {
    const env = signed();
    expect(env.payloadType).toBe('application/vnd.in-toto+json');
    expect(env.payload).toBe(body.toString('base64'));
    expect(env.signatures).toHaveLength(1);
    expect(env.signatures[0]!.keyid).toBe(keyIdFor(lab.publicKey));
    expect(env.signatures[0]!.sig).toMatch(/^[A-Za-z0-9+/]{86}==$/);
    const out = verifyEnvelope(JSON.parse(JSON.stringify(env)), lab.publicKey);
    expect(out.payloadType).toBe(PAYLOAD_TYPE_INTOTO);
    expect(out.body.equals(body)).toBe(true);
    expect(out.keyid).toBe(keyIdFor(lab.publicKey));
  });

  it('accepts a private key for verification and URL-safe unpadded base64', () => {
    const env = signed();
    const url = { ...env, payload: body.toString('base64url') };
    expect(verifyEnvelope(url, lab.privateKey).body.equals(body)).toBe(true);
  });

  it('fails with the wrong key', () => {
    expect(verifyError(signed(), other.publicKey).message).toMatch(/none of its 1 signature\(s\) verifies with the given key/);
  });

  it('fails when the payload is tampered with', () => {
    const env = signed();
    const tampered = Buffer.from(body);
    tampered[tampered.length - 2] ^= 1;
    expect(verifyError({ ...env, payload: tampered.toString('base64') }).message).toMatch(/none of its/);
  });

  it('fails when the payloadType is changed', () => {
    expect(verifyError({ ...signed(), payloadType: 'application/json' }).message).toMatch(/none of its/);
  });

  it('passes when one of several signatures verifies, and keyid is only a hint', () => {
    const env = signed();
    const foreign = signEnvelope(PAYLOAD_TYPE_INTOTO, body, other.privateKey).signatures[0]!;
    const multi = { ...env, signatures: [foreign, { keyid: 'whatever', sig: env.signatures[0]!.sig }] };
    const out = verifyEnvelope(multi, lab.publicKey);
    expect(out.keyid).toBe('whatever');
    expect(verifyEnvelope({ ...env, signatures: [{ sig: env.signatures[0]!.sig }] }, lab.publicKey).keyid).toBe('');
  });

  it('names what is wrong with a malformed envelope', () => {
    const env = signed();
    expect(verifyError(null).message).toMatch(/envelope: must be a JSON object/);
    expect(verifyError({ ...env, payloadType: 3 }).message).toMatch(/"payloadType" must be a non-empty string/);
    expect(verifyError({ ...env, payload: undefined }).message).toMatch(/"payload" must be a base64 string/);
    expect(verifyError({ ...env, signatures: [] }).message).toMatch(/"signatures" must be a non-empty array/);
    expect(verifyError({ ...env, signatures: [{ keyid: 'k' }] }).message).toMatch(/signatures\[0\]: "sig" must be a base64 string/);
    expect(verifyError({ ...env, signatures: [{ sig: env.signatures[0]!.sig, keyid: 5 }] }).message).toMatch(/"keyid" must be a string/);
    expect(verifyError({ ...env, extra: 1 }).message).toMatch(/unexpected field\(s\) "extra"/);
    expect(verifyError({ ...env, signatures: [{ ...env.signatures[0]!, note: 'x' }] }).message).toMatch(/unexpected field/);
    expect(verifyError({ ...env, payload: `${env.payload}!` }).message).toMatch(/payload": is not base64/);
    expect(verifyError({ ...env, payload: `${env.payload.replace(/=+$/, '')}===` }).message).toMatch(/is not base64/);
    expect(verifyError({ ...env, payload: 'QR==' }).message).toMatch(/not canonical base64/);
    expect(verifyError({ ...env, signatures: [{ sig: 'AAAA' }] }).message).toMatch(/none of its/);
  });

  it('rejects a key that is not Ed25519', () => {
    const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    expect(verifyError(signed(), ec.publicKey).message).toMatch(/ec, not Ed25519/);
    expect(() => signEnvelope(PAYLOAD_TYPE_INTOTO, body, ec.privateKey)).toThrow(/Ed25519 private key/);
    expect(() => signEnvelope(PAYLOAD_TYPE_INTOTO, body, lab.publicKey)).toThrow(TrustlabError);
  });
});
