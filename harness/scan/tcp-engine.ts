/**
 * The scan core's TCP connect scanner (TcpScanner version 2): every scan in the process is a
 * job on one shared engine, so many devices are scanned at once under one descriptor cap.
 * Settings come from the device budget; everything else adapts to the device.
 */
import net from 'node:net';
import { TrustlabError } from '../errors.ts';
import { sharedEngine, type ScanEngine } from './engine.ts';
import { defaultBackend } from './backend.ts';
import type { ProbeBackend } from './probe.ts';
import { SCAN_TIMEOUTS } from './rtt.ts';
import { BASE_ATTEMPTS, LOSSY_ATTEMPTS, TcpJob } from './tcp-job.ts';
import { scanOrder } from './top-ports.ts';
import type { TcpPortResult, TcpPortState, TcpScanRequest, TcpScanResult, TcpScanner } from './types.ts';

/** Engine version, recorded as method evidence. */
export const ENGINE_VERSION = '2.1.0';

/**
 * First window: small, because on a LAN or loopback answers return within one loop turn and
 * larger batches only cost cache; it grows within a few round trips where waiting dominates.
 */
export const INITIAL_WINDOW = 64;

/** Overrides for tests and benchmarks; production uses the defaults. */
export interface EngineScannerOptions {
  engine?: ScanEngine;
  backend?: ProbeBackend;
  initialWindow?: number;
}

function abortReason(signal: AbortSignal): Error {
  return signal.reason instanceof Error ? signal.reason : new Error('scan aborted');
}

/** Build a TcpScanner on an engine and backend (defaults: the shared engine, the fastest backend). */
export function createEngineScanner(opts: EngineScannerOptions = {}): TcpScanner {
  return {
    id: 'engine',
    version: ENGINE_VERSION,
    scan: (req) => scanWithEngine(req, opts),
  };
}

async function scanWithEngine(req: TcpScanRequest, opts: EngineScannerOptions): Promise<TcpScanResult> {
  req.guard.assertInScope(req.address, 'scan');
  if (req.signal?.aborted) throw abortReason(req.signal);
  const engine = opts.engine ?? sharedEngine();
  const backend = opts.backend ?? defaultBackend();
  const started = performance.now();
  const total = req.ports.length;
  const notClosed: TcpPortResult[] = [];
  const { order, topCount } = scanOrder(req.ports, req.seed ?? 1);
  // The first flight holds every well-known port asked for: one of them is likely open and
  // its answer gives the RTT, so no port waits out the 1 s initial timeout for nothing.
  const initialWindow = Math.max(opts.initialWindow ?? INITIAL_WINDOW, topCount);
  let job: TcpJob | undefined;
  let onAbort: (() => void) | undefined;
  try {
    await new Promise<void>((resolve, reject) => {
      job = new TcpJob({
        engine,
        backend,
        address: req.address,
        ipv6: net.isIPv6(req.address),
        order,
        budget: req.budget,
        initialWindow,
        onSettled: (r) => {
          if (r.state !== 'closed') notClosed.push(r);
          req.onResult?.(r);
          const done = job!.settledCount;
          if ((done & 255) === 0 && done < total) req.onProgress?.(done, total);
        },
        onFinished: (error) => (error ? reject(error) : resolve()),
      });
      if (req.signal) {
        const signal = req.signal;
        onAbort = () => job!.cancel(abortReason(signal));
        signal.addEventListener('abort', onAbort, { once: true });
      }
      engine.add(job);
      job.pump();
    });
  } finally {
    if (onAbort) req.signal?.removeEventListener('abort', onAbort);
  }
  const j = job!;
  if (j.settledCount !== total && new Set(req.ports).size === total) {
    throw new TrustlabError('TL_INTERNAL', `scan of ${req.address} settled ${j.settledCount} of ${total} ports`);
  }
  req.onProgress?.(total, total);
  notClosed.sort((a, b) => a.port - b.port);
  const counts: Record<TcpPortState, number> = { ...j.counts };
  return {
    address: req.address,
    notClosed,
    counts,
    total,
    durationMs: Math.round(performance.now() - started),
    method: {
      scanner: 'engine',
      version: ENGINE_VERSION,
      backend: backend.id,
      ...(backend.mode ? { backendMode: backend.mode } : {}),
      budgetSockets: req.budget.limits.maxSockets,
      window: { initial: initialWindow, peak: j.peakWindow, final: j.window.size(), cuts: j.window.cutCount() },
      retries: (j.lossSeen ? LOSSY_ATTEMPTS : BASE_ATTEMPTS) - 1,
      lossSeen: j.lossSeen,
      srttMs: round3(j.rtt.smoothed()),
      rttMinMs: round3(j.rtt.minimum()),
      finalTimeoutMs: Math.round(j.rtt.timeoutMs()),
      timeoutBoundsMs: [SCAN_TIMEOUTS.minMs, SCAN_TIMEOUTS.maxMs],
    },
  };
}

function round3(x: number | undefined): number | undefined {
  return x === undefined ? undefined : Math.round(x * 1000) / 1000;
}

/** The engine scanner with production defaults. */
export const engineScanner: TcpScanner = createEngineScanner();
