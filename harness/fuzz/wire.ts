/**
 * Sending one case: every socket through the scope guard. On TCP the messages go over one
 * connection, each after the reply to the previous one (or a short quiet time), so a CONNECT
 * is answered before the SUBSCRIBE that needs it. On UDP each message is a datagram from one
 * connected socket, so only the target's answers arrive and ICMP unreachable reads as refused.
 */
import dgram from 'node:dgram';
import net from 'node:net';
import { guardedConnect, type ScopeGuard } from '../scope/guard.ts';

/** Where the fuzzer sends. */
export interface WireTarget {
  guard: ScopeGuard;
  address: string;
  port: number;
  transport: 'tcp' | 'udp';
}

/** How the exchange ended. `refused`: no listener; `closed`/`reset`: the peer ended it. */
export type WireEnd = 'open' | 'closed' | 'reset' | 'refused' | 'connect-timeout';

/** What came back: one reply buffer per message sent (empty when silent). */
export interface WireResult {
  replies: Buffer[];
  end: WireEnd;
}

/** Send messages and collect the replies; waits at most `replyMs` for each reply. */
export function exchange(target: WireTarget, messages: readonly Buffer[], replyMs: number): Promise<WireResult> {
  return target.transport === 'tcp' ? exchangeTcp(target, messages, replyMs) : exchangeUdp(target, messages, replyMs);
}

function exchangeTcp(target: WireTarget, messages: readonly Buffer[], replyMs: number): Promise<WireResult> {
  return new Promise((resolve) => {
    const replies: Buffer[] = [];
    let current: Buffer[] = [];
    let step = -1;
    let end: WireEnd = 'open';
    let timer: NodeJS.Timeout | undefined;
    let done = false;
    const socket = guardedConnect(target.guard, { host: target.address, port: target.port });
    socket.setNoDelay(true);
    const finish = (): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      if (step >= 0 && step < messages.length) replies.push(Buffer.concat(current));
      while (replies.length < messages.length) replies.push(Buffer.alloc(0));
      socket.destroy();
      resolve({ replies, end });
    };
    const next = (): void => {
      clearTimeout(timer);
      if (step >= 0) replies.push(Buffer.concat(current));
      current = [];
      step += 1;
      if (step >= messages.length || end !== 'open') return finish();
      socket.write(messages[step]!);
      timer = setTimeout(next, replyMs);
    };
    // A guard against a peer that never completes the handshake (a hung device accepts, then nothing).
    const connectTimer = setTimeout(() => { end = 'connect-timeout'; finish(); }, Math.max(replyMs * 4, 200));
    socket.once('connect', () => { clearTimeout(connectTimer); next(); });
    socket.on('data', (d: Buffer) => {
      current.push(d);
      // Give the rest of a reply that spans reads a moment, then move on without the full wait.
      clearTimeout(timer);
      timer = setTimeout(next, 1);
    });
    socket.on('error', (err: NodeJS.ErrnoException) => {
      clearTimeout(connectTimer);
      end = err.code === 'ECONNREFUSED' ? 'refused' : err.code === 'ECONNRESET' || err.code === 'EPIPE' ? 'reset' : 'reset';
      finish();
    });
    socket.on('end', () => { if (end === 'open') end = 'closed'; });
    socket.on('close', () => { clearTimeout(connectTimer); if (end === 'open') end = 'closed'; finish(); });
  });
}

function exchangeUdp(target: WireTarget, messages: readonly Buffer[], replyMs: number): Promise<WireResult> {
  target.guard.assertInScope(target.address, `send UDP to port ${target.port}`);
  return new Promise((resolve) => {
    const socket = dgram.createSocket(net.isIPv6(target.address) ? 'udp6' : 'udp4');
    const replies: Buffer[] = [];
    let current: Buffer[] = [];
    let step = -1;
    let end: WireEnd = 'open';
    let timer: NodeJS.Timeout | undefined;
    let done = false;
    const finish = (): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      if (step >= 0 && step < messages.length && replies.length <= step) replies.push(Buffer.concat(current));
      while (replies.length < messages.length) replies.push(Buffer.alloc(0));
      try { socket.close(); } catch { /* already closed */ }
      resolve({ replies, end });
    };
    const next = (): void => {
      clearTimeout(timer);
      if (step >= 0) replies.push(Buffer.concat(current));
      current = [];
      step += 1;
      if (step >= messages.length || end !== 'open') return finish();
      socket.send(messages[step]!, (err) => { if (err) { end = 'reset'; finish(); } });
      timer = setTimeout(next, replyMs);
    };
    socket.on('message', (d: Buffer) => {
      current.push(d);
      clearTimeout(timer);
      timer = setTimeout(next, 1);
    });
    socket.on('error', (err: NodeJS.ErrnoException) => {
      end = err.code === 'ECONNREFUSED' ? 'refused' : 'reset';
      finish();
    });
    socket.connect(target.port, target.address, () => next());
  });
}
