/**
 * The fuzz loop: batches of cases (in flight up to the concurrency, paced by the rate limit
 * and the device's socket budget), a liveness check after each batch, triage when the device
 * stops answering, and a report with cases per second. Feedback from reply shapes steers
 * which cases run next.
 */
import { caseAt, type FuzzCase } from './case.ts';
import { FeedbackScheduler } from './feedback.ts';
import { checkAlive } from './liveness.ts';
import { PROTOCOL_MODELS } from './protocols/index.ts';
import type { ProtocolModel } from './protocol.ts';
import { triage, type Candidate, type TriageResult } from './triage.ts';
import type { CrashRecord, FuzzOptions, FuzzReport } from './types.ts';
import { exchange, type WireResult, type WireTarget } from './wire.ts';

/** Defaults tuned for a device on the lab's own switch (or loopback). */
export const FUZZ_DEFAULTS = {
  concurrency: 64,
  liveEvery: 256,
  replyMs: 10,
  livenessMs: 1000,
  rebootWaitMs: 5000,
  maxCrashes: 1,
  minimise: true,
} as const;

/** The liveness interval never shrinks below this many cases. */
const MIN_LIVE_EVERY = 8;

/** The target as a URL-like string, e.g. mqtt://127.0.0.1:1883. */
export function targetUrl(protocol: string, address: string, port: number): string {
  return `${protocol}://${address.includes(':') ? `[${address}]` : address}:${port}`;
}

/** The reply shape of a whole case: each reply's signature and how the exchange ended. */
export function caseSignature(model: ProtocolModel, r: WireResult): string {
  return `${r.replies.map((b) => model.signature(b)).join('|')} end=${r.end}`;
}

const hex = (bs: Buffer[]): string[] => bs.map((b) => b.toString('hex'));
const size = (bs: Buffer[]): number => bs.reduce((n, b) => n + b.length, 0);

function record(c: FuzzCase, t: TriageResult, window: Candidate[], target: string, casesRunBefore: number, detectedAfterMs: number): CrashRecord {
  const minimised = t.minimised ? { messages: hex(t.minimised), size: size(t.minimised), tests: t.minimiseTests } : undefined;
  return {
    format: 'trustlab-fuzz-case/1',
    kind: t.recoveredAfterMs !== undefined ? 'reboot' : t.downAs,
    downAs: t.downAs,
    protocol: c.protocol,
    target,
    seed: c.seed,
    index: c.index,
    isolated: t.culprit !== undefined,
    reproduced: t.reproduced,
    lineage: c.lineage,
    strategy: c.strategy,
    sequence: c.messages.map((m) => m.label),
    messages: hex(c.bytes),
    size: size(c.bytes),
    window: window.map((w) => ({ index: w.index, messages: hex(w.bytes) })),
    ...(minimised ? { minimised } : {}),
    ...(t.recoveredAfterMs !== undefined ? { recoveredAfterMs: t.recoveredAfterMs } : {}),
    casesRunBefore,
    detectedAfterMs,
    notes: t.notes,
  };
}

/** Fuzz one service until the case count, the time budget or the crash limit is reached. */
export async function fuzz(opts: FuzzOptions): Promise<FuzzReport> {
  const model = PROTOCOL_MODELS[opts.protocol];
  const target: WireTarget = { guard: opts.guard, address: opts.address, port: opts.port, transport: model.transport };
  const url = targetUrl(opts.protocol, opts.address, opts.port);
  const t0 = performance.now();
  const deadline = t0 + opts.timeBudgetMs;
  const confirm = { timeoutMs: opts.livenessMs, attempts: 3, gapMs: 100 };
  const report: FuzzReport = {
    protocol: opts.protocol, target: url, seed: opts.seed, reachable: true, casesRun: 0, durationMs: 0, casesPerSecond: 0,
    livenessChecks: 1, responseShapes: 0, crashes: [], duplicates: 0, unconfirmed: 0, aliveAtEnd: true, stoppedBecause: 'cases',
  };
  const finish = (): FuzzReport => {
    report.durationMs = Math.round(performance.now() - t0);
    report.casesPerSecond = report.durationMs > 0 ? Math.round((report.casesRun * 1000) / report.durationMs) : 0;
    return report;
  };
  if (!(await checkAlive(target, model, confirm)).alive) {
    report.reachable = false;
    report.aliveAtEnd = false;
    report.stoppedBecause = 'unreachable';
    return finish();
  }
  const scheduler = new FeedbackScheduler();
  const cache = new Map<number, FuzzCase>();
  const interval = opts.casesPerSecond ? 1000 / opts.casesPerSecond : 0;
  let nextSlot = performance.now();
  const pace = async (): Promise<void> => {
    if (interval === 0) return;
    const at = Math.max(performance.now(), nextSlot);
    nextSlot = at + interval;
    const wait = at - performance.now();
    if (wait > 1) await new Promise((r) => setTimeout(r, wait));
  };
  const runOne = async (c: FuzzCase): Promise<void> => {
    await pace();
    const release = opts.budget ? await opts.budget.acquireSocket(opts.signal) : undefined;
    try {
      const r = await exchange(target, c.bytes, opts.replyMs);
      // No listener mid-run means the service was down for a moment: a restart between checks.
      if (r.end === 'refused') refusedInBatch += 1;
      scheduler.observe(c.index, caseSignature(model, r));
    } finally {
      release?.();
    }
  };

  let window: Candidate[] = [];
  let refusedInBatch = 0;
  const buckets = new Set<string>();
  let liveEvery = opts.liveEvery;
  let cleanBatches = 0;
  for (;;) {
    if (opts.signal?.aborted) { report.stoppedBecause = 'aborted'; break; }
    if (report.casesRun >= opts.maxCases) { report.stoppedBecause = 'cases'; break; }
    if (performance.now() >= deadline) { report.stoppedBecause = 'time'; break; }
    const batch = Math.min(liveEvery, opts.maxCases - report.casesRun);
    const cases = Array.from({ length: batch }, () => caseAt(model, opts.seed, scheduler.next(), cache));
    window.push(...cases.map((c) => ({ index: c.index, bytes: c.bytes })));
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < cases.length) await runOne(cases[next++]!);
    };
    await Promise.all(Array.from({ length: Math.max(1, Math.min(opts.concurrency, batch)) }, worker));
    report.casesRun += batch;
    report.livenessChecks += 1;
    // One quick probe on the fast path; only a miss pays for the confirming retries.
    const first = await checkAlive(target, model, { ...confirm, attempts: 1 });
    let live = first.alive ? first : await checkAlive(target, model, confirm);
    const confirmedDown = !live.alive;
    // A first probe unanswered (a hang a watchdog may have ended since), or refusals during the
    // batch with the device alive again (a restart between checks): suspect, so triage; only a
    // reproduction makes it a finding.
    if (live.alive && !first.alive) live = first;
    else if (live.alive && refusedInBatch > 0) live = { alive: false, seen: 'refused' };
    refusedInBatch = 0;
    opts.onProgress?.(report.casesRun, live.alive ? 'alive' : 'device down: triage');
    if (live.alive) {
      window = [];
      // Quiet again: widen the interval back towards the configured one.
      if (++cleanBatches % 16 === 0) liveEvery = Math.min(opts.liveEvery, liveEvery * 2);
      continue;
    }
    const detectedAfterMs = Math.round(performance.now() - t0);
    const remaining = Math.max(0, deadline - performance.now());
    const t = await triage(target, model, window, live, {
      replyMs: opts.replyMs, livenessMs: opts.livenessMs, rebootWaitMs: opts.rebootWaitMs, minimise: opts.minimise,
      maxMinimiseTests: 400, minimiseMs: Math.max(1000, Math.min(opts.minimiseMs ?? 15_000, remaining)), isNewBucket: (b) => !buckets.has(b),
    }, (index) => caseAt(model, opts.seed, index, cache).messages);
    // Crashes come in windows: check more often from now on, so a window holds one crasher and a
    // rare bug is not always hidden behind a frequent one that happens to come first in it.
    liveEvery = Math.max(MIN_LIVE_EVERY, Math.floor(liveEvery / 4));
    const culprit = t.culprit ?? window[window.length - 1]!;
    // Only refusals seen and nothing reproduced: no liveness probe ever failed, so no blame.
    if (t.bucket !== undefined && buckets.has(t.bucket)) report.duplicates += 1;
    else if (confirmedDown || t.reproduced) {
      if (t.bucket !== undefined) buckets.add(t.bucket);
      report.crashes.push({ ...record(caseAt(model, opts.seed, culprit.index, cache), t, window, url, report.casesRun, detectedAfterMs), ...(t.bucket ? { bucket: t.bucket } : {}) });
    } else report.unconfirmed += 1;
    window = [];
    cleanBatches = 0;
    if (!t.aliveAfter) { report.stoppedBecause = 'device-gone'; break; }
    if (report.crashes.length >= opts.maxCrashes) { report.stoppedBecause = 'crashes'; break; }
  }
  report.responseShapes = scheduler.signatures().size;
  if (report.stoppedBecause === 'device-gone') report.aliveAtEnd = false;
  else report.aliveAtEnd = (await checkAlive(target, model, confirm)).alive;
  return finish();
}
