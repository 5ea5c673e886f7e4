/**
 * One raw ClientHello over one guarded TCP connection: send it, read the server's reply until
 * it is complete, close. The transcript (bytes both ways, bounded) is kept for evidence.
 */
import { guardedConnect } from '../../harness/scope/guard.ts';
import { TrustlabError } from '../../harness/errors.ts';
import type { EndpointTarget } from '../../harness/plugins/types.ts';
import { suiteKeyExchange, suiteName } from './registry.ts';
import { TlsReplyReader, type ServerReply } from './server-reply.ts';

/** Where and how to probe. */
export type ProbeTarget = EndpointTarget;

/** A reply plus the bytes exchanged. */
export interface ProbeRecord {
  reply: ServerReply;
  sentHex: string;
  /** Received bytes as hex, at most MAX_KEEP of them. */
  receivedHex: string;
}

const MAX_KEEP = 16_384;
const kxOf = (suite: number): string => suiteKeyExchange(suiteName(suite));

/** Send one ClientHello record and read the reply. Throws only for scope or socket faults. */
export async function probeHello(target: ProbeTarget, hello: Buffer): Promise<ProbeRecord> {
  const release = target.budget ? await target.budget.acquireSocket(target.signal) : () => undefined;
  try {
    return await exchange(target, hello);
  } finally {
    release();
  }
}

function exchange(target: ProbeTarget, hello: Buffer): Promise<ProbeRecord> {
  const socket = guardedConnect(target.guard, { host: target.address, port: target.port });
  const reader = new TlsReplyReader();
  const received: Buffer[] = [];
  let kept = 0;
  return new Promise<ProbeRecord>((resolve, reject) => {
    let connected = false;
    let settled = false;
    const finish = (reply: ServerReply): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      target.signal?.removeEventListener('abort', onAbort);
      socket.destroy();
      resolve({ reply, sentHex: hello.toString('hex'), receivedHex: Buffer.concat(received).toString('hex') });
    };
    const onAbort = (): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      reject(Object.assign(new Error('aborted'), { name: 'AbortError' }));
    };
    const timer = setTimeout(() => finish(reader.end('timeout', kxOf)), target.timeoutMs ?? 5000);
    target.signal?.addEventListener('abort', onAbort, { once: true });
    socket.once('connect', () => {
      connected = true;
      socket.write(hello);
    });
    socket.on('data', (chunk: Buffer) => {
      if (kept < MAX_KEEP) {
        received.push(chunk.subarray(0, MAX_KEEP - kept));
        kept += chunk.length;
      }
      const reply = reader.push(chunk, kxOf);
      if (reply) finish(reply);
    });
    socket.on('error', (err: NodeJS.ErrnoException) => {
      if (connected) return finish(reader.end('closed', kxOf));
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      target.signal?.removeEventListener('abort', onAbort);
      socket.destroy();
      // A refused connection is not a TLS answer: the caller decides what an unreachable port means.
      reject(new TrustlabError('TL_TRANSPORT', `connect to ${target.address}:${target.port} failed: ${err.code ?? err.message}`, { cause: err }));
    });
    socket.on('close', () => {
      if (connected) finish(reader.end('closed', kxOf));
    });
  });
}
