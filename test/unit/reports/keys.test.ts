import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync } from 'node:crypto';
import { chmod, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TrustlabError } from '../../../harness/errors.ts';
import {
  initKeyPair,
  keyIdDocument,
  keyIdFor,
  loadPrivateKey,
  loadPublicKey,
  parsePublicKeyPem,
  publicKeyPem,
  publicPathFor,
  rawPublicKeyHex,
} from '../../../reports/keys.ts';

// RFC 8032 §7.1 TEST 1 key pair; the key id was computed by securesystemslib's canonical JSON + sha256.
const RFC8032_SEED = '9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60';
const RFC8032_PUBLIC = 'd75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a';
const RFC8032_KEYID = '74c181c7ad8a0855d4b55e44d2ba87aabdddb196832571f15f92fece332e4916';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'trustlab-keys-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function rejectsWith(p: Promise<unknown>, code: string, text: RegExp): Promise<void> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(TrustlabError);
  expect((err as TrustlabError).code).toBe(code);
  expect((err as TrustlabError).message).toMatch(text);
}

describe('publicPathFor', () => {
  it('drops one .pem or .key and appends .pub.pem', () => {
    expect(publicPathFor('/k/lab.key')).toBe('/k/lab.pub.pem');
    expect(publicPathFor('/k/lab-key.pem')).toBe('/k/lab-key.pub.pem');
    expect(publicPathFor('/k/lab')).toBe('/k/lab.pub.pem');
    expect(publicPathFor('/k/lab.key.pem')).toBe('/k/lab.key.pub.pem');
  });
});

describe('initKeyPair', () => {
  it('writes a 0600 PKCS#8 private key and an SPKI public key that belong together', async () => {
    const paths = await initKeyPair(join(dir, 'sub', 'lab.key'));
    expect(paths).toEqual({ privatePath: join(dir, 'sub', 'lab.key'), publicPath: join(dir, 'sub', 'lab.pub.pem') });
    expect((await stat(paths.privatePath)).mode & 0o777).toBe(0o600);
    expect(await readFile(paths.privatePath, 'utf8')).toMatch(/^-----BEGIN PRIVATE KEY-----\n/);
    expect(await readFile(paths.publicPath, 'utf8')).toMatch(/^-----BEGIN PUBLIC KEY-----\n/);
    const priv = await loadPrivateKey(paths.privatePath);
    const pub = await loadPublicKey(paths.publicPath);
    expect(keyIdFor(priv)).toBe(keyIdFor(pub));
    expect(publicKeyPem(priv)).toBe(await readFile(paths.publicPath, 'utf8'));
  });

  it('refuses to overwrite without force and leaves the old key alone', async () => {
    const { privatePath, publicPath } = await initKeyPair(join(dir, 'lab.pem'));
    const before = await readFile(privatePath, 'utf8');
    await rejectsWith(initKeyPair(privatePath), 'TL_KEY_EXISTS', /lab\.pem already exists/);
    expect(await readFile(privatePath, 'utf8')).toBe(before);
    await rm(privatePath);
    await rejectsWith(initKeyPair(privatePath), 'TL_KEY_EXISTS', /lab\.pub\.pem already exists/);
    expect(await readFile(publicPath, 'utf8')).toMatch(/PUBLIC KEY/);
  });

  it('with force replaces the key and tightens a loose mode back to 0600', async () => {
    const privatePath = join(dir, 'lab.pem');
    await writeFile(privatePath, 'old');
    await chmod(privatePath, 0o644);
    await initKeyPair(privatePath, { force: true });
    expect((await stat(privatePath)).mode & 0o777).toBe(0o600);
    await expect(loadPrivateKey(privatePath)).resolves.toBeDefined();
  });
});

describe('loading keys', () => {
  it('names a missing file', async () => {
    await rejectsWith(loadPrivateKey(join(dir, 'nope.pem')), 'TL_KEY_READ', /nope\.pem: no such file/);
    await rejectsWith(loadPublicKey(join(dir, 'nope.pub.pem')), 'TL_KEY_READ', /nope\.pub\.pem: no such file/);
  });

  it('rejects a private key where a public key is wanted, and garbage', async () => {
    const { privatePath } = await initKeyPair(join(dir, 'lab.pem'));
    await rejectsWith(loadPublicKey(privatePath), 'TL_KEY_READ', /is a private key/);
    await writeFile(join(dir, 'junk.pem'), 'hello');
    await rejectsWith(loadPrivateKey(join(dir, 'junk.pem')), 'TL_KEY_READ', /not a PEM private key/);
    await rejectsWith(loadPublicKey(join(dir, 'junk.pem')), 'TL_KEY_READ', /not an SPKI PEM public key/);
  });

  it('rejects keys that are not Ed25519', async () => {
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
    await writeFile(join(dir, 'rsa.pem'), rsa.privateKey.export({ type: 'pkcs8', format: 'pem' }));
    await writeFile(join(dir, 'rsa.pub.pem'), rsa.publicKey.export({ type: 'spki', format: 'pem' }));
    await rejectsWith(loadPrivateKey(join(dir, 'rsa.pem')), 'TL_KEY_READ', /is a rsa key; trustlab signs with Ed25519/);
    await rejectsWith(loadPublicKey(join(dir, 'rsa.pub.pem')), 'TL_KEY_READ', /is a rsa key/);
  });
});

describe('keyIdFor', () => {
  const privateKey = createPrivateKey({
    key: Buffer.from(`302e020100300506032b657004220420${RFC8032_SEED}`, 'hex'),
    format: 'der',
    type: 'pkcs8',
  });

  it('is sha256 of the exact key document, matching securesystemslib', () => {
    expect(rawPublicKeyHex(privateKey)).toBe(RFC8032_PUBLIC);
    const doc = `{"keytype":"ed25519","keyval":{"public":"${RFC8032_PUBLIC}"},"scheme":"ed25519"}`;
    expect(keyIdDocument(privateKey)).toBe(doc);
    expect(keyIdFor(privateKey)).toBe(createHash('sha256').update(doc).digest('hex'));
    expect(keyIdFor(privateKey)).toBe(RFC8032_KEYID);
  });

  it('is stable across PEM round trips and equal for both halves', () => {
    const pub = parsePublicKeyPem(publicKeyPem(privateKey), 'test');
    expect(keyIdFor(pub)).toBe(RFC8032_KEYID);
    expect(keyIdFor(createPublicKey(privateKey))).toBe(RFC8032_KEYID);
    const other = generateKeyPairSync('ed25519');
    expect(keyIdFor(other.publicKey)).not.toBe(RFC8032_KEYID);
    expect(keyIdFor(other.publicKey)).toMatch(/^[0-9a-f]{64}$/);
  });
});
