/**
 * The slow reference scanner (TcpScanner version 1): a window of net.connect calls bounded by
 * the device budget, a promise and a timer per probe, a timeout from the measured round-trip
 * time (RFC 6298 style), and a second pass with a longer timeout for every unanswered port.
 * Simple enough to trust, so the engine (tcp-engine.ts), which replaced it as the active
 * scanner, is checked against it; it is not used for scanning any more.
 */
import net from 'node:net';
import { shuffledPorts } from './ports.ts';
import type { TcpPortResult, TcpPortState, TcpScanRequest, TcpScanResult, TcpScanner } from './types.ts';

/** Timeout bounds: loopback answers in microseconds, a bench device across Wi-Fi in tens of ms. */
const MIN_TIMEOUT_MS = 150;
const MAX_TIMEOUT_MS = 3000;
const INITIAL_TIMEOUT_MS = 1000;

/** Smoothed RTT and variance (RFC 6298 2.2/2.3) giving the timeout for unanswered ports. */
export class RttEstimator {
  private srtt: number | undefined;
  private rttvar = 0;
  sample(ms: number): void {
    if (this.srtt === undefined) {
      this.srtt = ms;
      this.rttvar = ms / 2;
    } else {
      this.rttvar = 0.75 * this.rttvar + 0.25 * Math.abs(this.srtt - ms);
      this.srtt = 0.875 * this.srtt + 0.125 * ms;
    }
  }
  timeoutMs(): number {
    if (this.srtt === undefined) return INITIAL_TIMEOUT_MS;
    return Math.min(MAX_TIMEOUT_MS, Math.max(MIN_TIMEOUT_MS, this.srtt + 4 * this.rttvar));
  }
}

// Errors that mean "this host or our own process could not try", not "the port answered".
const RETRY_LOCALLY = new Set(['EMFILE', 'ENFILE', 'EADDRNOTAVAIL', 'ENOBUFS', 'EAGAIN']);

type ProbeOutcome = TcpPortState | 'retry';

function probe(address: string, port: number, timeoutMs: number, rtt: RttEstimator): Promise<ProbeOutcome> {
  return new Promise((resolve) => {
    const started = performance.now();
    const socket = net.connect({ host: address, port });
    const finish = (o: ProbeOutcome): void => {
      clearTimeout(timer);
      socket.destroy();
      resolve(o);
    };
    const timer = setTimeout(() => finish('filtered'), timeoutMs);
    socket.once('connect', () => {
      rtt.sample(performance.now() - started);
      finish('open');
    });
    socket.once('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'ECONNREFUSED') {
        rtt.sample(performance.now() - started);
        finish('closed');
      } else if (err.code && RETRY_LOCALLY.has(err.code)) finish('retry');
      else finish('filtered');
    });
  });
}

/** The connect scanner (TcpScanner version 1). */
export const connectScanner: TcpScanner = {
  id: 'connect',
  version: '1.0.0',
  async scan(req: TcpScanRequest): Promise<TcpScanResult> {
    req.guard.assertInScope(req.address, 'scan');
    const started = performance.now();
    const rtt = new RttEstimator();
    const states = new Map<number, TcpPortState>();
    let done = 0;
    const total = req.ports.length;

    const pass = async (ports: number[], timeoutFor: () => number): Promise<number[]> => {
      const unanswered: number[] = [];
      const queue = [...ports];
      const worker = async (): Promise<void> => {
        for (let port = queue.pop(); port !== undefined && !req.signal?.aborted; port = queue.pop()) {
          const release = await req.budget.acquireSocket(req.signal);
          let outcome: ProbeOutcome;
          try {
            outcome = await probe(req.address, port, timeoutFor(), rtt);
          } finally {
            release();
          }
          if (outcome === 'retry') {
            queue.unshift(port);
            await new Promise((r) => setTimeout(r, 20));
            continue;
          }
          if (outcome === 'filtered') unanswered.push(port);
          else {
            states.set(port, outcome);
            done++;
            if ((done & 255) === 0) req.onProgress?.(done, total);
          }
        }
      };
      const width = Math.min(req.budget.limits.maxSockets, ports.length);
      await Promise.all(Array.from({ length: width }, worker));
      return unanswered;
    };

    const firstPass = await pass(shuffledPorts(req.ports, req.seed ?? 1), () => rtt.timeoutMs());
    // Second pass: a longer timeout for every port that did not answer the first time.
    const stillSilent = await pass(firstPass, () => Math.min(MAX_TIMEOUT_MS, rtt.timeoutMs() * 2));
    // An aborted scan has unmeasured ports: it must not pass for a complete one.
    if (req.signal?.aborted) throw req.signal.reason instanceof Error ? req.signal.reason : new Error('scan aborted');
    for (const p of stillSilent) states.set(p, 'filtered');
    req.onProgress?.(total, total);

    const counts: Record<TcpPortState, number> = { open: 0, closed: 0, filtered: 0 };
    const notClosed: TcpPortResult[] = [];
    for (const [port, state] of states) {
      counts[state]++;
      if (state !== 'closed') notClosed.push({ port, state });
    }
    notClosed.sort((a, b) => a.port - b.port);
    return {
      address: req.address,
      notClosed,
      counts,
      total,
      durationMs: Math.round(performance.now() - started),
      method: { scanner: 'connect', version: '1.0.0', window: req.budget.limits.maxSockets, retries: 1, finalTimeoutMs: Math.round(rtt.timeoutMs()) },
    };
  },
};
