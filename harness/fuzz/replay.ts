/**
 * Replaying one saved case: check the device answers, send the case's messages exactly as
 * saved, then ask again (with retries) and wait for a reboot. The bytes are also rebuilt from
 * (seed, index) to show the pair still names the same case.
 */
import { caseAt } from './case.ts';
import { checkAlive, probeOnce, waitForRecovery } from './liveness.ts';
import { PROTOCOL_MODELS } from './protocols/index.ts';
import type { CrashRecord } from './types.ts';
import { exchange, type WireTarget } from './wire.ts';
import type { ScopeGuard } from '../scope/guard.ts';

/** What a replay saw. */
export interface ReplayResult {
  /** unreachable: the device did not answer before the case was sent. */
  outcome: 'crash' | 'hang' | 'survived' | 'unreachable';
  recoveredAfterMs?: number;
  /** Whether caseAt(seed, index) still gives the saved bytes. */
  regenerated: 'identical' | 'differs';
  sentBytes: number;
  form: 'original' | 'minimised';
}

/** Send a saved case to a target and judge the device. */
export async function replayCase(record: CrashRecord, opts: { guard: ScopeGuard; address: string; port: number; minimised: boolean; livenessMs: number; rebootWaitMs: number; replyMs: number }): Promise<ReplayResult> {
  const model = PROTOCOL_MODELS[record.protocol];
  const target: WireTarget = { guard: opts.guard, address: opts.address, port: opts.port, transport: model.transport };
  const rebuilt = caseAt(model, record.seed, record.index).bytes.map((b) => b.toString('hex'));
  const regenerated = rebuilt.length === record.messages.length && rebuilt.every((h, i) => h === record.messages[i]) ? 'identical' : 'differs';
  const useMin = opts.minimised && record.minimised !== undefined;
  const messages = (useMin ? record.minimised!.messages : record.messages).map((h) => Buffer.from(h, 'hex'));
  const base = { regenerated, sentBytes: messages.reduce((n, m) => n + m.length, 0), form: useMin ? 'minimised' : 'original' } as const;
  const confirm = { timeoutMs: opts.livenessMs, attempts: 3, gapMs: 100 };
  if (!(await checkAlive(target, model, confirm)).alive) return { ...base, outcome: 'unreachable' };
  const sent = await exchange(target, messages, opts.replyMs);
  // One probe right away: a daemon restarted by a supervisor can be back before a retry asks.
  const after = await probeOnce(target, model, opts.livenessMs);
  // Refused part-way through the case: the service went down under it and has restarted since.
  if (after === 'alive' && sent.end === 'refused') return { ...base, outcome: 'crash' };
  if (after === 'alive') return { ...base, outcome: 'survived' };
  const back = await waitForRecovery(target, model, { maxMs: opts.rebootWaitMs, pollMs: 50, timeoutMs: opts.livenessMs });
  return { ...base, outcome: after === 'silent' ? 'hang' : 'crash', ...(back === undefined ? {} : { recoveredAfterMs: back }) };
}
