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

/**
 * The reply bookkeeping both transports share: one reply buffer per message, the next message
 * after the reply (plus a 1 ms grace for a reply split over reads) or after `replyMs` of quiet.
 */
function replySteps(messages: readonly Buffer[], replyMs: number, send: (m: Buffer) => void, close: () => void, resolve: (r: WireResult) => void) {
  const replies: Buffer[] = [];
  let current: Buffer[] = [];
  let step = -1;
  let timer: NodeJS.Timeout | undefined;
  let done = false;
  const steps = {
    end: 'open' as WireEnd,
    finish(): void {
      if (done) return;
      done = true;
      clearTimeout(timer);
      if (step >= 0 && step < messages.length && replies.length <= step) replies.push(Buffer.concat(current));
      while (replies.length < messages.length) replies.push(Buffer.alloc(0));
      close();
      resolve({ replies, end: steps.end });
    },
    next(): void {
      clearTimeout(timer);
      if (step >= 0) replies.push(Buffer.concat(current));
      current = [];
      step += 1;
      if (step >= messages.length || steps.end !== 'open') return steps.finish();
      send(messages[step]!);
      timer = setTimeout(steps.next, replyMs);
    },
    received(d: Buffer): void {
      current.push(d);
      clearTimeout(timer);
      timer = setTimeout(steps.next, 1);
    },
  };
  return steps;
}

function exchangeTcp(target: WireTarget, messages: readonly Buffer[], replyMs: number): Promise<WireResult> {
  return new Promise((resolve) => {
    const socket = guardedConnect(target.guard, { host: target.address, port: target.port });
    socket.setNoDelay(true);
    const steps = replySteps(messages, replyMs, (m) => socket.write(m), () => socket.destroy(), resolve);
    // A guard against a peer that never completes the handshake (a hung device accepts, then nothing).
    const connectTimer = setTimeout(() => { steps.end = 'connect-timeout'; steps.finish(); }, Math.max(replyMs * 4, 200));
    socket.once('connect', () => { clearTimeout(connectTimer); steps.next(); });
    socket.on('data', steps.received);
    socket.on('error', (err: NodeJS.ErrnoException) => {
      clearTimeout(connectTimer);
      steps.end = err.code === 'ECONNREFUSED' ? 'refused' : 'reset';
      steps.finish();
    });
    socket.on('end', () => { if (steps.end === 'open') steps.end = 'closed'; });
    socket.on('close', () => { clearTimeout(connectTimer); if (steps.end === 'open') steps.end = 'closed'; steps.finish(); });
  });
}

function exchangeUdp(target: WireTarget, messages: readonly Buffer[], replyMs: number): Promise<WireResult> {
  target.guard.assertInScope(target.address, `send UDP to port ${target.port}`);
  return new Promise((resolve) => {
    const socket = dgram.createSocket(net.isIPv6(target.address) ? 'udp6' : 'udp4');
    const steps = replySteps(messages, replyMs,
      (m) => socket.send(m, (err) => { if (err) { steps.end = 'reset'; steps.finish(); } }),
      () => { try { socket.close(); } catch { /* already closed */ } }, resolve);
    socket.on('message', steps.received);
    socket.on('error', (err: NodeJS.ErrnoException) => {
      steps.end = err.code === 'ECONNREFUSED' ? 'refused' : 'reset';
      steps.finish();
    });
    socket.connect(target.port, target.address, () => steps.next());
  });
}
