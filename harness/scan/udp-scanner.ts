/**
 * The scan core's UDP prober. Each port gets a connected UDP socket, so that only the
 * device's answers arrive and an ICMP port-unreachable comes back as ECONNREFUSED (Linux
 * reports it on the connected socket; Node emits it as an 'error' from recvmsg): closed is
 * then a value, distinct from silence. Each port gets its protocol's request; an answer
 * means open, ICMP means closed, silence on every attempt means open|filtered. Unanswered
 * ports are retried with a doubled timeout from the device's RTT (Karn: only first attempts
 * are sampled). Devices rate-limit ICMP (Linux: a burst of 6, then one a second): a port
 * refused only on a retry shows it, and the silent ports then get two more, slower attempts.
 */
import dgram from 'node:dgram';
import net from 'node:net';
import { TrustlabError } from '../errors.ts';
import { MIN_SOCKET_CAP, socketCapacity } from './fd-limit.ts';
import { printableBanner } from './identify.ts';
import { shuffledPorts } from './ports.ts';
import { RttEstimator } from './rtt.ts';
import { replyMatches, udpPayload } from './udp-payloads.ts';
import { UDP_PROBE_TABLE_VERSION, udpProbeFor, type UdpProbeEntry } from './udp-probes.ts';
import type { UdpPortResult, UdpPortState, UdpScanRequest, UdpScanResult } from './udp-types.ts';

/** UDP scanner version, recorded as method evidence. */
export const UDP_SCANNER_VERSION = '1.0.0';

/** Attempts per port, and with ICMP rate limiting seen. */
export const UDP_ATTEMPTS = 3;
export const UDP_LIMITED_ATTEMPTS = 5;

/** Timeouts: services compute their answer (SNMP, CoAP), so the floor is well above loopback RTT. */
export const UDP_TIMEOUTS = Object.freeze({ initialMs: 500, minMs: 250, maxMs: 3000 });

/** Ports probed at once by default. */
export const UDP_DEFAULT_PARALLEL = 64;

const SWEEP_MS = 25;
/** Local errors (EMFILE, ENOBUFS...) in a row before the scan fails as a harness fault, and the pause after each. */
const MAX_LOCAL_ERRORS = 1000;
const LOCAL_BACKOFF_MS = 10;
const LOCAL_ERRORS: ReadonlySet<string> = new Set(['EMFILE', 'ENFILE', 'ENOBUFS', 'EADDRNOTAVAIL', 'EADDRINUSE', 'EAGAIN', 'ENOMEM']);
/** A socket not bound and connected after this long has failed locally. */
const NOT_READY_MS = 2000;
const MAX_REPLY = 256;

/** Timeout of attempt n (1-based): the RTT timeout with the UDP floor, doubled per attempt. */
export function udpTimeoutMs(rtt: RttEstimator, attempt: number): number {
  const base = rtt.hasSample() ? Math.max(UDP_TIMEOUTS.minMs, rtt.timeoutMs()) : UDP_TIMEOUTS.initialMs;
  return Math.min(UDP_TIMEOUTS.maxMs, base * 2 ** (attempt - 1));
}

/** The state and service a port ends in, from what came back (pure; the scanner's decision table). */
export function udpVerdict(entry: UdpProbeEntry, outcome: { reply?: Buffer; refused?: boolean }): Pick<UdpPortResult, 'state' | 'service' | 'identifiedBy'> {
  if (outcome.reply) {
    return replyMatches(entry.probe, outcome.reply) ? { state: 'open', service: entry.service, identifiedBy: 'probe' } : { state: 'open', service: 'unknown' };
  }
  if (outcome.refused) return { state: 'closed' };
  return entry.service === 'unknown' ? { state: 'open|filtered', service: 'unknown' } : { state: 'open|filtered', service: entry.service, identifiedBy: 'port' };
}

interface Probe {
  entry: UdpProbeEntry;
  attempt: number;
  sentAt: number;
  sock: dgram.Socket;
  aux?: dgram.Socket;
  release: () => void;
  ready: boolean;
  done: boolean;
}

/** Probe the UDP ports of one address. Never throws for device behaviour. */
export async function scanUdp(req: UdpScanRequest): Promise<UdpScanResult> {
  req.guard.assertInScope(req.address, 'udp scan');
  if (req.signal?.aborted) throw abortReason(req.signal);
  const started = performance.now();
  const type = net.isIPv6(req.address) ? 'udp6' : 'udp4';
  const rtt = new RttEstimator();
  // Two descriptors per port at most (TFTP/SSDP's second socket), under the process's share.
  let width = Math.max(1, Math.min(req.maxParallel ?? UDP_DEFAULT_PARALLEL, req.budget.limits.maxSockets, Math.floor(Math.max(MIN_SOCKET_CAP, socketCapacity()) / 2)));
  const counts: Record<UdpPortState, number> = { open: 0, closed: 0, 'open|filtered': 0 };
  const notClosed: UdpPortResult[] = [];
  const tries = new Map<number, number>();
  let queue = shuffledPorts([...new Set(req.ports)], req.seed ?? 1);
  let next = 0;
  let silent: number[] = [];
  const live = new Set<Probe>();
  let limited = false;
  let peakParallel = 0;
  let localErrors = 0;
  let backoffUntil = 0;
  let localErrorsTotal = 0;

  return new Promise<UdpScanResult>((resolve, reject) => {
    let finished = false;
    const record = (port: number, attempts: number, outcome: { reply?: Buffer; refused?: boolean }, rttMs?: number): void => {
      const r: UdpPortResult = {
        port, ...udpVerdict(udpProbeFor(port), outcome), attempts,
        ...(outcome.reply ? { reply: printableBanner(outcome.reply.subarray(0, MAX_REPLY)) } : {}),
        ...(rttMs === undefined ? {} : { rttMs: Math.round(rttMs * 1000) / 1000 }),
      };
      counts[r.state]++;
      if (r.state !== 'closed') notClosed.push(r);
      req.onResult?.(r);
    };
    const settle = (p: Probe, outcome: { reply?: Buffer; refused?: boolean }): void => {
      if (p.done) return;
      localErrors = 0;
      const rttMs = performance.now() - p.sentAt;
      if (p.attempt === 1 && p.ready) rtt.sample(rttMs);
      if (outcome.refused && p.attempt > 1) limited = true;
      close(p);
      record(p.entry.port, p.attempt, outcome, rttMs);
      pump();
    };
    const send = (p: Probe): void => {
      p.sentAt = performance.now();
      p.sock.send(udpPayload(p.entry.probe, req.address), (err: NodeJS.ErrnoException | null) => {
        // A pending ICMP error can surface on the next send of a connected socket.
        if (err?.code === 'ECONNREFUSED') settle(p, { refused: true });
        else if (err && LOCAL_ERRORS.has(err.code ?? '')) localError(p);
      });
    };
    const close = (p: Probe): void => {
      p.done = true;
      live.delete(p);
      p.release();
      p.sock.close();
      p.aux?.close();
    };
    // This host could not send (descriptors, buffers, local ports): the attempt does not count; the port goes round again.
    const localError = (p: Probe): void => {
      if (p.done) return;
      close(p);
      tries.set(p.entry.port, p.attempt - 1);
      // Fewer at once from now on, and a pause, as the TCP engine lowers its cap on EMFILE.
      width = Math.max(1, live.size);
      backoffUntil = performance.now() + LOCAL_BACKOFF_MS;
      localErrors++;
      localErrorsTotal++;
      if (localErrors > MAX_LOCAL_ERRORS) {
        for (const q of [...live]) close(q);
        end(new TrustlabError('TL_TRANSPORT', `the local network stack keeps refusing UDP sockets to ${req.address}`, { details: ['check the file descriptor limit (ulimit -n)'] }));
        return;
      }
      queue.push(p.entry.port);
    };
    const start = (port: number, release: () => void): void => {
      const entry = udpProbeFor(port);
      const attempt = (tries.get(port) ?? 0) + 1;
      tries.set(port, attempt);
      const sock = dgram.createSocket({ type, reuseAddr: entry.otherPort === true });
      const p: Probe = { entry, attempt, sentAt: performance.now(), sock, release, ready: false, done: false };
      live.add(p);
      sock.on('message', (msg) => settle(p, { reply: msg }));
      sock.on('error', (err: NodeJS.ErrnoException) => {
        if (err.code === 'ECONNREFUSED') settle(p, { refused: true });
        else if (LOCAL_ERRORS.has(err.code ?? '')) localError(p);
      });
      const connect = (): void => {
        sock.connect(port, req.address, () => {
          if (p.done) return;
          p.ready = true;
          send(p);
        });
      };
      if (!entry.otherPort) return connect();
      // A second, unconnected socket on the same local port takes answers from the device's other ports.
      const aux = dgram.createSocket({ type, reuseAddr: true });
      p.aux = aux;
      aux.on('error', () => undefined);
      aux.on('message', (msg, rinfo) => {
        if (rinfo.address === req.address) settle(p, { reply: msg });
      });
      aux.bind(0, () => {
        if (p.done) return;
        sock.bind(aux.address().port, connect);
      });
    };
    const pump = (): void => {
      if (finished) return;
      const paused = performance.now() < backoffUntil;
      while (!paused && live.size < width && next < queue.length) {
        const release = req.budget.tryAcquireSocket();
        if (!release) break;
        start(queue[next++]!, release);
        if (live.size > peakParallel) peakParallel = live.size;
      }
      if (live.size > 0 || next < queue.length) return;
      // ICMP rate limiting seen: silence may be a swallowed port-unreachable; give the silent ports more.
      const again = limited ? silent.filter((port) => tries.get(port)! < UDP_LIMITED_ATTEMPTS) : [];
      if (again.length > 0) {
        silent = silent.filter((port) => tries.get(port)! >= UDP_LIMITED_ATTEMPTS);
        queue = again;
        next = 0;
        return pump();
      }
      const last = silent;
      silent = [];
      for (const port of last) record(port, tries.get(port)!, {});
      end();
    };
    const sweep = (): void => {
      const now = performance.now();
      for (const p of [...live]) {
        // A socket that never got bound and connected (an error we had no name for): a local fault, not silence.
        if (!p.ready && now - p.sentAt > NOT_READY_MS) localError(p);
        if (!p.ready || p.done || now - p.sentAt < udpTimeoutMs(rtt, p.attempt)) continue;
        if (p.attempt < (limited ? UDP_LIMITED_ATTEMPTS : UDP_ATTEMPTS)) {
          p.attempt++;
          tries.set(p.entry.port, p.attempt);
          send(p);
        } else {
          close(p);
          silent.push(p.entry.port);
        }
      }
      pump();
    };
    const timer = setInterval(sweep, SWEEP_MS);
    const onAbort = (): void => {
      for (const p of [...live]) close(p);
      end(abortReason(req.signal!));
    };
    req.signal?.addEventListener('abort', onAbort, { once: true });
    const end = (error?: Error): void => {
      if (finished) return;
      finished = true;
      clearInterval(timer);
      req.signal?.removeEventListener('abort', onAbort);
      if (error) return reject(error);
      notClosed.sort((a, b) => a.port - b.port);
      resolve({
        address: req.address,
        notClosed,
        counts,
        total: tries.size,
        durationMs: Math.round(performance.now() - started),
        method: {
          scanner: 'udp', version: UDP_SCANNER_VERSION, probeTable: UDP_PROBE_TABLE_VERSION, parallel: width, peakParallel,
          attempts: limited ? UDP_LIMITED_ATTEMPTS : UDP_ATTEMPTS, icmpRateLimited: limited, localErrors: localErrorsTotal,
          srttMs: rtt.smoothed(), timeoutBoundsMs: [UDP_TIMEOUTS.minMs, UDP_TIMEOUTS.maxMs],
        },
      });
    };
    pump();
  });
}

function abortReason(signal: AbortSignal): Error {
  return signal.reason instanceof Error ? signal.reason : new Error('scan aborted');
}
