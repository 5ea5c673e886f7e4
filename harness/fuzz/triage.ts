/**
 * After the device stopped answering: wait for it to come back (a reboot), bisect the cases
 * sent since the last good liveness check down to the one that kills it alone (the last test
 * of the bisection is the reproduction), then shrink that case with ddmin. A device that does
 * not come back ends triage: the window of candidate cases is kept as the evidence.
 */
import { ddmin } from './ddmin.ts';
import { checkAlive, probeOnce, waitForRecovery, type Liveness, type ProbeResult } from './liveness.ts';
import type { ProtocolModel } from './protocol.ts';
import { cloneMessage, serialise, type Message } from './segments.ts';
import { exchange, type WireResult, type WireTarget } from './wire.ts';

function bucketOf(model: ProtocolModel, c: Candidate, r: WireResult, structure: ((index: number) => Message[]) | undefined, how: 'crash' | 'hang'): string {
  const labels = (structure?.(c.index) ?? []).map((m) => m.label);
  const silent = r.replies.findIndex((b) => b.length === 0);
  const at = silent >= 0 ? silent : r.replies.length - 1;
  return `${model.bucketByLabel ? (labels[at] ?? 'message') : 'message'}#${at}/${how}`;
}

/** Timing knobs of triage. */
export interface TriageOptions {
  replyMs: number;
  livenessMs: number;
  /** How long a reboot may take before the device counts as gone. */
  rebootWaitMs: number;
  minimise: boolean;
  /** Failing tests cost a reboot each: bounded. */
  maxMinimiseTests: number;
  /** Wall-clock bound for minimisation. */
  minimiseMs: number;
  /** False for a bucket already minimised in this run: the duplicate is not minimised again. */
  isNewBucket(bucket: string): boolean;
}

/** A case as triage sees it. */
export interface Candidate {
  index: number;
  bytes: Buffer[];
  /** The block-model messages, when known: minimisation then keeps length fields consistent. */
  messages?: Message[];
}

/** What triage found. */
export interface TriageResult {
  /** How the device failed: refused/closed (crash) or silent (hang). */
  downAs: 'crash' | 'hang';
  /** Milliseconds until it answered again, when it did. */
  recoveredAfterMs?: number;
  /** The case that kills the device on its own, when bisection isolated one. */
  culprit?: Candidate;
  /** True when the culprit alone took the device down again. */
  reproduced: boolean;
  /** The smallest messages found that still take it down. */
  minimised?: Buffer[];
  minimiseTests: number;
  /**
   * Where the culprit killed the device: the first message left unanswered and how the device
   * failed (e.g. "SUBSCRIBE#1/crash"). Crashes in one bucket are most likely one bug.
   */
  bucket?: string;
  /** Position of the culprit in the window. */
  culpritAt?: number;
  /** Still answering when triage ended. */
  aliveAfter: boolean;
  notes: string[];
}

type Outcome = 'survived' | 'killed' | 'lost';

function downAs(l: Liveness): 'crash' | 'hang' {
  return !l.alive && l.seen === 'silent' ? 'hang' : 'crash';
}

/** Triage a window of cases (in the order sent) after a confirmed liveness failure. */
export async function triage(target: WireTarget, model: ProtocolModel, window: Candidate[], failure: Liveness, opts: TriageOptions, structure?: (index: number) => Message[]): Promise<TriageResult> {
  const result: TriageResult = { downAs: downAs(failure), reproduced: false, minimiseTests: 0, aliveAfter: false, notes: [] };
  const recovery = { maxMs: opts.rebootWaitMs, pollMs: 50, timeoutMs: opts.livenessMs };
  const back = await waitForRecovery(target, model, recovery);
  if (back === undefined) {
    result.notes.push(`no answer within ${opts.rebootWaitMs} ms: the device did not come back, so the ${window.length} candidate case(s) could not be bisected`);
    if (window.length === 1) result.culprit = window[0];
    return result;
  }
  result.recoveredAfterMs = back;

  // Replay cases one after another, then ask whether the device survived them.
  let lastExchange: WireResult | undefined;
  let lastProbe: ProbeResult = 'alive';
  const run = async (cases: Buffer[][]): Promise<Outcome> => {
    let refused = false;
    for (const bytes of cases) {
      lastExchange = await exchange(target, bytes, opts.replyMs);
      refused = lastExchange.end === 'refused' || refused;
    }
    // One probe at once: a daemon that restarts in milliseconds is back before a retry would ask.
    const first = await probeOnce(target, model, opts.livenessMs);
    lastProbe = first;
    // Silence for the whole liveness bound is a hang, whatever a later probe says: a watchdog may
    // have rebooted the device since. Bisection and reproduction are what keep this from blaming
    // a healthy device for one lost datagram.
    // A refusal after the first replayed case means the service restarted under the replay.
    if (first === 'alive') return refused ? 'killed' : 'survived';
    return (await waitForRecovery(target, model, recovery)) === undefined ? 'lost' : 'killed';
  };

  let candidates = window;
  let lost = false;
  while (candidates.length > 1 && !lost) {
    const half = Math.ceil(candidates.length / 2);
    const first = candidates.slice(0, half);
    const second = candidates.slice(half);
    const a = await run(first.map((c) => c.bytes));
    if (a === 'lost') { lost = true; break; }
    if (a === 'killed') { candidates = first; continue; }
    const b = await run(second.map((c) => c.bytes));
    if (b === 'lost') { lost = true; break; }
    if (b === 'killed') { candidates = second; continue; }
    result.notes.push(`neither half of ${candidates.length} cases takes the device down alone: the failure needs cases from both (state across connections)`);
    break;
  }
  if (!lost && candidates.length === 1) {
    const alone = await run([candidates[0]!.bytes]);
    if (alone === 'lost') lost = true;
    result.culprit = candidates[0];
    result.culpritAt = window.indexOf(candidates[0]!);
    result.reproduced = alone !== 'survived';
    if (result.reproduced && lastExchange) {
      // How the culprit alone takes the device down is what names the failure.
      if (lastProbe !== 'alive') result.downAs = lastProbe === 'silent' ? 'hang' : 'crash';
      result.bucket = bucketOf(model, candidates[0]!, lastExchange, structure, result.downAs);
    }
    if (!result.reproduced) result.notes.push(`case ${candidates[0]!.index} alone did not take the device down again: not reproduced`);
  }
  if (lost) {
    result.notes.push('the device did not come back after a replay during triage');
    return result;
  }
  if (result.culprit && result.reproduced && opts.minimise && (result.bucket === undefined || opts.isNewBucket(result.bucket))) {
    const messages = structure?.(result.culprit.index);
    const m = await minimise({ ...result.culprit, ...(messages ? { messages } : {}) }, run, opts);
    result.minimiseTests = m.tests;
    if (m.messages) result.minimised = m.messages;
    if (m.lost) { result.notes.push('the device did not come back during minimisation'); return result; }
  }
  result.aliveAfter = (await checkAlive(target, model, { timeoutMs: opts.livenessMs, attempts: 3, gapMs: 100 })).alive;
  return result;
}

type Unit = { i: number; j: number; byte: number };

/** Rebuild messages keeping only the given value bytes of each segment; lengths are recomputed. */
function rebuild(messages: Message[], units: Unit[]): Buffer[] {
  const kept = messages.map((m) => m.segments.map(() => [] as number[]));
  for (const u of units) kept[u.i]![u.j]!.push(u.byte);
  return messages.map((m, i) => {
    const c = cloneMessage(m);
    c.segments.forEach((s, j) => { if (s.kind !== 'length') s.value = Buffer.from(kept[i]![j]!); });
    return serialise(c);
  });
}

async function minimise(culprit: Candidate, run: (cases: Buffer[][]) => Promise<Outcome>, opts: TriageOptions): Promise<{ messages?: Buffer[]; tests: number; lost: boolean }> {
  const deadline = performance.now() + opts.minimiseMs;
  let lost = false;
  let tests = 0;
  const size = (ms: Buffer[]): number => ms.reduce((n, m) => n + m.length, 0);
  let best = culprit.bytes;
  const fails = async (messages: Buffer[]): Promise<boolean> => {
    if (lost || performance.now() > deadline || tests >= opts.maxMinimiseTests || size(messages) === 0) return false;
    tests += 1;
    const o = await run([messages]);
    if (o === 'lost') lost = true;
    if (o === 'killed' && size(messages) < size(best)) best = messages;
    return o === 'killed';
  };
  const left = (): number => opts.maxMinimiseTests - tests;
  // 1. Which messages are needed (the handshake may not be). 2. Which bytes of each field,
  // with length fields recomputed so the framing stays valid. 3. Raw bytes of what is left.
  const structured = culprit.messages;
  if (structured) {
    const keep = await ddmin(structured.map((_, i) => i), (idx) => fails(idx.map((i) => serialise(structured[i]!))), Math.floor(left() / 4));
    const msgs = keep.result.map((i) => structured[i]!);
    const units: Unit[] = msgs.flatMap((m, i) => m.segments.flatMap((s, j) => (s.kind === 'length' ? [] : [...s.value].map((byte) => ({ i, j, byte })))));
    await ddmin(units, (us) => fails(rebuild(msgs, us)), Math.floor(left() / 2));
  } else {
    await ddmin(culprit.bytes, (ms) => fails(ms), Math.floor(left() / 4));
  }
  const base = best;
  const raw = base.flatMap((m, i) => [...m].map((byte) => ({ i, byte })));
  const group = (us: { i: number; byte: number }[]): Buffer[] => {
    const out: number[][] = base.map(() => []);
    for (const u of us) out[u.i]!.push(u.byte);
    return out.filter((b) => b.length > 0).map((b) => Buffer.from(b));
  };
  await ddmin(raw, (us) => fails(group(us)), left());
  return { ...(size(best) < size(culprit.bytes) ? { messages: best } : {}), tests, lost };
}
