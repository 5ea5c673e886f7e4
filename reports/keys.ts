/**
 * The lab's Ed25519 signing key: creation, loading and the key id that other DSSE tools
 * (securesystemslib, cosign) compute for the same key.
 */

import { createHash, createPrivateKey, createPublicKey, generateKeyPair, type KeyObject } from 'node:crypto';
import { lstat, mkdir, open, readFile, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import { promisify } from 'node:util';
import { TrustlabError } from '../harness/errors.ts';

const generateKeyPairAsync = promisify(generateKeyPair);

/** Paths written by `initKeyPair`. */
export interface KeyPairPaths {
  privatePath: string;
  publicPath: string;
}

/**
 * Where the public key of `privatePath` goes: one trailing `.pem` or `.key` is dropped and
 * `.pub.pem` appended, so `lab.key` -> `lab.pub.pem`, `lab-key.pem` -> `lab-key.pub.pem`.
 */
export function publicPathFor(privatePath: string): string {
  return `${privatePath.replace(/\.(pem|key)$/i, '')}.pub.pem`;
}

/** Create an Ed25519 key pair: PKCS#8 PEM private key (mode 0600) and SPKI PEM public key beside it. */
export async function initKeyPair(privatePath: string, opts: { force?: boolean } = {}): Promise<KeyPairPaths> {
  const publicPath = publicPathFor(privatePath);
  if (!opts.force) {
    for (const p of [privatePath, publicPath]) {
      if (await exists(p)) {
        throw new TrustlabError('TL_KEY_EXISTS', `${p} already exists; refusing to overwrite a key`);
      }
    }
  }
  const { privateKey, publicKey } = await generateKeyPairAsync('ed25519');
  // 'wx' (in openKeyFile) closes the race between the existence check above and the write.
  const privatePem = privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
  const publicPem = publicKey.export({ type: 'spki', format: 'pem' }) as string;
  await mkdir(dirname(privatePath), { recursive: true });
  const handle = await openKeyFile(privatePath, opts.force === true, 0o600);
  try {
    // The create mode is masked by umask and ignored for an existing file: chmod before any key byte lands.
    await handle.chmod(0o600);
    await handle.writeFile(privatePem);
  } finally {
    await handle.close();
  }
  const pubHandle = await openKeyFile(publicPath, opts.force === true, 0o644);
  try {
    await pubHandle.writeFile(publicPem);
  } finally {
    await pubHandle.close();
  }
  return { privatePath, publicPath };
}

/** Load a PEM private key and insist it is Ed25519 (TL_KEY_READ otherwise). */
export async function loadPrivateKey(path: string): Promise<KeyObject> {
  const pem = await readKeyFile(path, 'private');
  let key: KeyObject;
  try {
    key = createPrivateKey({ key: pem, format: 'pem' });
  } catch (err) {
    throw new TrustlabError('TL_KEY_READ', `${path}: not a PEM private key (${errorText(err)})`, { cause: err });
  }
  requireEd25519(key, path);
  return key;
}

/** Load an SPKI PEM public key (`-----BEGIN PUBLIC KEY-----`) and insist it is Ed25519. */
export async function loadPublicKey(path: string): Promise<KeyObject> {
  return parsePublicKeyPem(await readKeyFile(path, 'public'), path);
}

/** Parse SPKI PEM text into an Ed25519 public key; `source` names it in errors. */
export function parsePublicKeyPem(pem: string, source: string): KeyObject {
  // createPublicKey would also derive a public key from a private key or certificate; a lab
  // that publishes one of those by mistake should hear about it rather than have it work.
  if (!/^-----BEGIN PUBLIC KEY-----\r?\n/m.test(pem)) {
    const kind = /-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(pem) ? 'a private key' : 'not an SPKI PEM public key';
    throw new TrustlabError('TL_KEY_READ', `${source}: is ${kind}; give the public key (-----BEGIN PUBLIC KEY-----, e.g. lab-key.pub.pem)`);
  }
  let key: KeyObject;
  try {
    key = createPublicKey({ key: pem, format: 'pem' });
  } catch (err) {
    throw new TrustlabError('TL_KEY_READ', `${source}: not a valid PEM public key (${errorText(err)})`, { cause: err });
  }
  requireEd25519(key, source);
  return key;
}

/** SPKI PEM text of a key's public half (a private key is reduced to its public key). */
export function publicKeyPem(key: KeyObject): string {
  const pub = key.type === 'private' ? createPublicKey(key) : key;
  return pub.export({ type: 'spki', format: 'pem' }) as string;
}

/** Hex of the raw 32-byte Ed25519 public key (the form securesystemslib's `keyval.public` holds). */
export function rawPublicKeyHex(key: KeyObject): string {
  const pub = key.type === 'private' ? createPublicKey(key) : key;
  requireEd25519(pub, 'key');
  const jwk = pub.export({ format: 'jwk' });
  if (typeof jwk.x !== 'string') {
    throw new TrustlabError('TL_INTERNAL', 'Ed25519 JWK export has no "x" member');
  }
  return Buffer.from(jwk.x, 'base64url').toString('hex');
}

/** The canonical key document whose sha256 is the key id (securesystemslib 1.x's default). */
export function keyIdDocument(key: KeyObject): string {
  // Written out literally: the id must be these exact bytes, so no serialiser gets a say.
  return `{"keytype":"ed25519","keyval":{"public":"${rawPublicKeyHex(key)}"},"scheme":"ed25519"}`;
}

/** Key id: sha256 hex of `keyIdDocument(key)`. */
export function keyIdFor(key: KeyObject): string {
  return createHash('sha256').update(keyIdDocument(key), 'utf8').digest('hex');
}

function requireEd25519(key: KeyObject, source: string): void {
  if (key.asymmetricKeyType !== 'ed25519') {
    throw new TrustlabError('TL_KEY_READ', `${source}: is a ${key.asymmetricKeyType ?? 'symmetric'} key; trustlab signs with Ed25519 only`);
  }
}

async function readKeyFile(path: string, kind: 'private' | 'public'): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory' : errorText(err);
    throw new TrustlabError('TL_KEY_READ', `cannot read ${kind} key ${path}: ${why}`, { cause: err });
  }
}

async function openKeyFile(path: string, force: boolean, mode: number): Promise<FileHandle> {
  try {
    return await open(path, force ? 'w' : 'wx', mode);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') {
      throw new TrustlabError('TL_KEY_EXISTS', `${path} already exists; refusing to overwrite a key`, { cause: err });
    }
    throw new TrustlabError('TL_KEY_READ', `cannot write ${path}: ${errorText(err)}`, { cause: err });
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await lstat(path);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw err;
  }
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
