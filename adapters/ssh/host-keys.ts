/**
 * The server's host keys, one per key type it offers, fetched with ssh2 by pinning the host
 * key algorithm and refusing the key in hostVerifier (so no login is ever attempted). Used to
 * compare units of one model (CTM-EN-05) and to size RSA/DSA host keys.
 */
import { createHash } from 'node:crypto';
import ssh2 from 'ssh2';
import type { Algorithms, ServerHostKeyAlgorithm } from 'ssh2';
import { guardedConnect } from '../../harness/scope/guard.ts';
import type { SshTarget } from './kexinit.ts';

/** One host key as the server sent it. */
export interface HostKey {
  /** The host key algorithm that fetched it, e.g. "ssh-ed25519". */
  algorithm: string;
  /** The key's own type from its blob, e.g. "ssh-rsa". */
  keyType: string;
  /** RSA/DSA modulus bits, curve bits for ECDSA, 256 for Ed25519. */
  bits: number;
  /** OpenSSH-style SHA256 fingerprint (base64, unpadded). */
  fingerprint: string;
  blobBase64: string;
}

// Everything ssh2 can speak, legacy included, so an old server's key can still be fetched.
const ALL: Omit<Algorithms, 'serverHostKey'> = {
  kex: [
    'curve25519-sha256', 'curve25519-sha256@libssh.org', 'ecdh-sha2-nistp256', 'ecdh-sha2-nistp384', 'ecdh-sha2-nistp521',
    'diffie-hellman-group-exchange-sha256', 'diffie-hellman-group14-sha256', 'diffie-hellman-group15-sha512',
    'diffie-hellman-group16-sha512', 'diffie-hellman-group17-sha512', 'diffie-hellman-group18-sha512',
    'diffie-hellman-group-exchange-sha1', 'diffie-hellman-group14-sha1', 'diffie-hellman-group1-sha1',
  ],
  cipher: [
    'chacha20-poly1305@openssh.com', 'aes128-gcm@openssh.com', 'aes256-gcm@openssh.com', 'aes128-ctr', 'aes192-ctr', 'aes256-ctr',
    'aes256-cbc', 'aes192-cbc', 'aes128-cbc', '3des-cbc',
  ],
  hmac: [
    'hmac-sha2-256-etm@openssh.com', 'hmac-sha2-512-etm@openssh.com', 'hmac-sha1-etm@openssh.com', 'hmac-sha2-256', 'hmac-sha2-512',
    'hmac-sha1', 'hmac-md5', 'hmac-sha2-256-96', 'hmac-sha2-512-96', 'hmac-ripemd160', 'hmac-sha1-96', 'hmac-md5-96',
  ],
};
/** Host key algorithms ssh2 can pin, grouped by key type (RSA once, whichever signature it offers). */
const KEY_TYPES: ServerHostKeyAlgorithm[][] = [
  ['ssh-ed25519'], ['ecdsa-sha2-nistp256'], ['ecdsa-sha2-nistp384'], ['ecdsa-sha2-nistp521'],
  ['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa'], ['ssh-dss'],
];

/** Type and size of a public key blob (RFC 4253 §6.6, RFC 5656 §3.1, RFC 8709 §4). */
export function describeKeyBlob(blob: Buffer): { keyType: string; bits: number } {
  let off = 0;
  const str = (): Buffer => {
    const len = blob.readUInt32BE(off);
    const out = blob.subarray(off + 4, off + 4 + len);
    off += 4 + len;
    return out;
  };
  const mpintBits = (b: Buffer): number => {
    let i = 0;
    while (i < b.length && b[i] === 0) i += 1;
    return i === b.length ? 0 : (b.length - i - 1) * 8 + (32 - Math.clz32(b[i]!));
  };
  const keyType = str().toString('latin1');
  if (keyType === 'ssh-rsa') {
    str();
    return { keyType, bits: mpintBits(str()) };
  }
  if (keyType === 'ssh-dss') return { keyType, bits: mpintBits(str()) };
  if (keyType.startsWith('ecdsa-sha2-')) return { keyType, bits: Number(/(\d+)$/.exec(keyType)?.[1] ?? 0) };
  if (keyType === 'ssh-ed25519') return { keyType, bits: 256 };
  if (keyType === 'ssh-ed448') return { keyType, bits: 456 };
  return { keyType, bits: 0 };
}

function fetchOne(target: SshTarget, algorithm: ServerHostKeyAlgorithm): Promise<Buffer | undefined> {
  return new Promise((resolve) => {
    const sock = guardedConnect(target.guard, { host: target.address, port: target.port });
    const client = new ssh2.Client();
    let key: Buffer | undefined;
    const finish = (): void => {
      clearTimeout(timer);
      client.end();
      sock.destroy();
      resolve(key);
    };
    const timer = setTimeout(finish, target.timeoutMs ?? 5000);
    client.on('error', finish);
    client.on('close', finish);
    client.connect({
      sock,
      username: 'trustlab-hostkey-probe',
      algorithms: { ...ALL, serverHostKey: [algorithm] },
      hostVerifier: (blob: Buffer) => {
        key = Buffer.from(blob);
        // Refusing the key ends the connection before any authentication.
        return false;
      },
      readyTimeout: target.timeoutMs ?? 5000,
    });
  });
}

/** Fetch one host key per key type among the offered host key algorithms. */
export async function fetchHostKeys(target: SshTarget, offered: readonly string[]): Promise<HostKey[]> {
  const out: HostKey[] = [];
  for (const group of KEY_TYPES) {
    const algorithm = group.find((a) => offered.includes(a));
    if (!algorithm) continue;
    const release = target.budget ? await target.budget.acquireSocket(target.signal) : () => undefined;
    let blob: Buffer | undefined;
    try {
      blob = await fetchOne(target, algorithm);
    } finally {
      release();
    }
    if (!blob) continue;
    const fingerprint = createHash('sha256').update(blob).digest('base64').replace(/=+$/, '');
    out.push({ algorithm, ...describeKeyBlob(blob), fingerprint: `SHA256:${fingerprint}`, blobBase64: blob.toString('base64') });
  }
  return out;
}
