/**
 * The SSH algorithm audit's probe: read the server's identification line (RFC 4253 §4.2), send
 * ours, and parse the server's first binary packet, SSH_MSG_KEXINIT (RFC 4253 §7.1), which
 * lists every algorithm it offers. No key exchange is run, so nothing is negotiated away.
 */
import { guardedConnect } from '../../harness/scope/guard.ts';
import { TrustlabError } from '../../harness/errors.ts';
import { ADAPTER_API_VERSION, type AdapterPlugin, type EndpointTarget } from '../../harness/plugins/types.ts';

/** The SSH audit adapter's metadata: banner, KEXINIT and host keys, never a login. */
export const sshAuditAdapter: AdapterPlugin = {
  apiVersion: ADAPTER_API_VERSION, id: 'ssh', version: '1.0.0', title: 'SSH algorithm audit (KEXINIT)', protocols: ['ssh'],
};

/** Where the SSH probe goes. */
export type SshTarget = EndpointTarget;

/** The ten name-lists of a KEXINIT, in wire order. */
export interface KexInit {
  kex: string[];
  hostKey: string[];
  cipherClientToServer: string[];
  cipherServerToClient: string[];
  macClientToServer: string[];
  macServerToClient: string[];
  compressionClientToServer: string[];
  compressionServerToClient: string[];
  languagesClientToServer: string[];
  languagesServerToClient: string[];
  firstKexPacketFollows: boolean;
}

/** What the server did. */
export type SshProbeResult =
  | { kind: 'kexinit'; banner: string; kexinit: KexInit; packetHex: string }
  | { kind: 'no-kexinit'; banner: string; why: string }
  | { kind: 'not-ssh'; received: string }
  | { kind: 'closed' | 'timeout' };

const CLIENT_IDENT = 'SSH-2.0-trustlab_audit\r\n';
const MAX_PRE_BANNER = 8192;
const MAX_PACKET = 256 * 1024;
const KEY_ORDER: (keyof Omit<KexInit, 'firstKexPacketFollows'>)[] = [
  'kex', 'hostKey', 'cipherClientToServer', 'cipherServerToClient', 'macClientToServer', 'macServerToClient',
  'compressionClientToServer', 'compressionServerToClient', 'languagesClientToServer', 'languagesServerToClient',
];

/** Parse a KEXINIT payload (message byte included). */
export function parseKexInit(payload: Buffer): KexInit {
  if (payload[0] !== 20) throw new RangeError(`message ${payload[0]} is not SSH_MSG_KEXINIT (20)`);
  let off = 17;
  const lists: Partial<KexInit> = {};
  for (const key of KEY_ORDER) {
    if (off + 4 > payload.length) throw new RangeError('KEXINIT ends inside its name-lists');
    const len = payload.readUInt32BE(off);
    if (off + 4 + len > payload.length) throw new RangeError('KEXINIT name-list longer than the packet');
    const text = payload.subarray(off + 4, off + 4 + len).toString('latin1');
    lists[key] = text === '' ? [] : text.split(',');
    off += 4 + len;
  }
  return { ...(lists as Omit<KexInit, 'firstKexPacketFollows'>), firstKexPacketFollows: payload[off] === 1 };
}

/** Split what arrived into banner and the first binary packet, once both are complete. */
export function takeBannerAndPacket(buf: Buffer): { banner: string; payload: Buffer } | { need: true } | { notSsh: string } {
  let start = 0;
  for (;;) {
    const nl = buf.indexOf(0x0a, start);
    if (nl < 0) return buf.length > MAX_PRE_BANNER ? { notSsh: buf.subarray(0, 80).toString('latin1') } : { need: true };
    const line = buf.subarray(start, nl).toString('latin1').replace(/\r$/, '');
    start = nl + 1;
    if (!line.startsWith('SSH-')) {
      // RFC 4253 §4.2 allows other lines before the identification, but not binary junk.
      if (start > MAX_PRE_BANNER || /[^\x20-\x7e\t]/.test(line)) return { notSsh: line.slice(0, 80) };
      continue;
    }
    const rest = buf.subarray(start);
    if (rest.length < 5) return { need: true };
    const packetLength = rest.readUInt32BE(0);
    if (packetLength > MAX_PACKET || packetLength < 2) return { banner: line, payload: Buffer.alloc(0) };
    if (rest.length < 4 + packetLength) return { need: true };
    const padding = rest[4]!;
    return { banner: line, payload: rest.subarray(5, 4 + packetLength - padding) };
  }
}

/** Read the banner and KEXINIT of an SSH server. Throws only for scope or socket faults. */
export async function probeKexInit(target: SshTarget): Promise<SshProbeResult> {
  const release = target.budget ? await target.budget.acquireSocket(target.signal) : () => undefined;
  const socket = guardedConnect(target.guard, { host: target.address, port: target.port });
  try {
    return await new Promise<SshProbeResult>((resolve, reject) => {
      let buf = Buffer.alloc(0);
      let connected = false;
      let banner: string | undefined;
      const timer = setTimeout(() => resolve(banner ? { kind: 'no-kexinit', banner, why: 'no KEXINIT before the timeout' } : { kind: 'timeout' }), target.timeoutMs ?? 5000);
      const done = (r: SshProbeResult): void => {
        clearTimeout(timer);
        resolve(r);
      };
      socket.once('connect', () => {
        connected = true;
        socket.write(CLIENT_IDENT);
      });
      socket.on('data', (chunk: Buffer) => {
        buf = Buffer.concat([buf, chunk]);
        const got = takeBannerAndPacket(buf);
        if ('need' in got) {
          const line = /^(SSH-[^\r\n]*)\r?\n/m.exec(buf.toString('latin1'));
          if (line) banner = line[1];
          return;
        }
        if ('notSsh' in got) return done({ kind: 'not-ssh', received: got.notSsh });
        try {
          done({ kind: 'kexinit', banner: got.banner, kexinit: parseKexInit(got.payload), packetHex: got.payload.toString('hex') });
        } catch (err) {
          done({ kind: 'no-kexinit', banner: got.banner, why: (err as Error).message });
        }
      });
      socket.on('error', (err: NodeJS.ErrnoException) => {
        if (connected) return done(banner ? { kind: 'no-kexinit', banner, why: `connection error ${err.code ?? err.message}` } : { kind: 'closed' });
        clearTimeout(timer);
        reject(new TrustlabError('TL_TRANSPORT', `connect to ${target.address}:${target.port} failed: ${err.code ?? err.message}`, { cause: err }));
      });
      socket.on('close', () => done(banner ? { kind: 'no-kexinit', banner, why: 'closed before KEXINIT' } : { kind: 'closed' }));
    });
  } finally {
    socket.destroy();
    release();
  }
}
