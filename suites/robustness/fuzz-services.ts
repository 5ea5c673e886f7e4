/**
 * CTM-PT-05: fuzz each exposed MQTT, CoAP and HTTP service within the device's time budget,
 * with liveness checked between batches. A crash, hang or reboot fails, with the saved case
 * (bytes, seed, index, sequence, minimised form) as evidence; a service that survives passes
 * with the cases run and the rate; one that did not answer before fuzzing is inconclusive.
 */
import { createHash } from 'node:crypto';
import type { CheckContext, CheckResult } from '../../harness/plugins/types.ts';
import { defineCheck } from '../../harness/plugins/registry.ts';
import { caseFileName, fuzz, FUZZ_DEFAULTS, type FuzzReport } from '../../harness/fuzz/index.ts';
import { fuzzTargets, type FuzzTargetSpec } from './targets.ts';

const TEST = 'CTM-PT-05';

/** The device's seed: configured, or derived from its id so a re-run sends the same cases. */
export function deviceSeed(ctx: Pick<CheckContext, 'device'>): number {
  return ctx.device.robustness?.seed ?? createHash('sha256').update(ctx.device.id).digest().readUInt32BE(0);
}

async function judge(ctx: CheckContext, t: FuzzTargetSpec, r: FuzzReport): Promise<CheckResult> {
  const target = { transport: t.transport, port: t.port, service: t.service };
  const data = { seed: r.seed, casesRun: r.casesRun, casesPerSecond: r.casesPerSecond, durationMs: r.durationMs, livenessChecks: r.livenessChecks, responseShapes: r.responseShapes, stoppedBecause: r.stoppedBecause };
  if (!r.reachable) {
    return { testId: TEST, status: 'inconclusive', target, summary: `${r.target} did not answer its liveness probe before fuzzing: nothing was sent`, data };
  }
  if (r.crashes.length === 0) {
    if (!r.aliveAtEnd) return { testId: TEST, status: 'fail', target, summary: `${r.target} stopped answering after ${r.casesRun} fuzz cases (seed ${r.seed})`, data };
    return { testId: TEST, status: 'pass', target, summary: `${r.target} survived ${r.casesRun} fuzz cases (${r.casesPerSecond} cases/s, seed ${r.seed}, ${r.responseShapes} response shapes) and answers its liveness probe`, data };
  }
  const evidence = [];
  for (const c of r.crashes) evidence.push(await ctx.putEvidence(caseFileName(c), JSON.stringify(c, null, 2), 'application/json'));
  const c = r.crashes[0]!;
  const how = c.kind === 'reboot' ? `went down (${c.downAs}) and rebooted after ${c.recoveredAfterMs} ms` : c.kind === 'hang' ? 'hung (answers nothing)' : 'crashed and did not come back';
  const min = c.minimised ? `, minimised ${c.size} -> ${c.minimised.size} bytes` : '';
  return {
    testId: TEST, status: 'fail', target, evidence,
    summary: `${r.target} ${how} on fuzz case ${c.index} of seed ${c.seed} (${c.sequence.join(', ')}; ${c.reproduced ? 'reproduced' : 'not reproduced'}${min}) after ${c.casesRunBefore} cases`,
    data: { ...data, crashes: r.crashes.map((x) => ({ kind: x.kind, index: x.index, reproduced: x.reproduced, size: x.size, minimisedSize: x.minimised?.size, strategy: x.strategy })) },
  };
}

export default defineCheck({
  version: '1.0.0',
  title: 'Robustness of exposed MQTT, CoAP and HTTP',
  testIds: [TEST],
  needs: [],
  appliesTo: () => true,
  async run(ctx): Promise<CheckResult[]> {
    if (!ctx.discoveryRan()) {
      return [{ testId: TEST, status: 'inconclusive', summary: 'no discovery result for this device: run the open-ports suite with robustness' }];
    }
    const limits = ctx.device.robustness;
    const seed = deviceSeed(ctx);
    const { targets, skippedTls } = fuzzTargets(ctx);
    const out: CheckResult[] = [];
    const note = skippedTls.length > 0 ? `; TLS services not fuzzed: ${skippedTls.join(', ')}` : '';
    for (const [i, t] of targets.entries()) {
      ctx.progress(i, targets.length, `fuzz ${t.protocol} ${t.transport}/${t.port}`);
      const r = await fuzz({
        ...FUZZ_DEFAULTS,
        protocol: t.protocol, guard: ctx.guard, address: ctx.device.address, port: t.port, seed,
        maxCases: Number.MAX_SAFE_INTEGER,
        timeBudgetMs: (limits?.secondsPerService ?? 60) * 1000,
        rebootWaitMs: (limits?.rebootWaitSeconds ?? 60) * 1000,
        // One socket stays free for the liveness probe.
        concurrency: Math.max(1, Math.min(FUZZ_DEFAULTS.concurrency, ctx.budget.limits.maxSockets - 1)),
        budget: ctx.budget, signal: ctx.signal,
        ...(limits?.casesPerSecond === undefined ? {} : { casesPerSecond: limits.casesPerSecond }),
      });
      // The default CoAP port is only assumed: silence there means no CoAP, not an inconclusive test.
      if (t.assumed && !r.reachable) continue;
      out.push(await judge(ctx, t, r));
    }
    ctx.progress(targets.length, targets.length, 'fuzzing done');
    if (out.length === 0) return [{ testId: TEST, status: 'not-applicable', summary: `no MQTT, CoAP or HTTP service exposed${note}` }];
    if (note) for (const r of out) r.summary += note;
    return out;
  },
});
