/**
 * Run one job (a suite on a device): each check in order, each result journaled as a finding.
 * A check that throws becomes an inconclusive finding with the reason; an abort leaves the
 * job unfinished (no job-end) so a resumed run does it again.
 */
import { TrustlabError } from '../errors.ts';
import type { DeviceConfig, DiscoveredService, Finding, LabConfig } from '../model.ts';
import type { CheckContext, CheckResult, ProfilePlugin, SuitePlugin } from '../plugins/types.ts';
import { testCaseInfo } from '../plugins/test-cases.ts';
import type { DeviceBudgetGate } from '../scheduler/budget.ts';
import type { Job } from '../scheduler/plan.ts';
import type { ScopeGuard } from '../scope/guard.ts';
import type { EvidenceStore } from '../evidence/store.ts';
import type { Journal } from '../journal/journal.ts';
import { onFinding, onJobProgress } from './events.ts';

export interface JobEnv {
  config: Readonly<LabConfig>;
  device: Readonly<DeviceConfig>;
  suite: SuitePlugin;
  guard: ScopeGuard;
  budget: DeviceBudgetGate;
  journal: Journal;
  evidence: EvidenceStore;
  signal: AbortSignal;
  attempt: number;
  /** Discovery shared across the run, keyed by device id. */
  discoveries: Map<string, { services: DiscoveredService[]; scanned: Record<string, unknown> }>;
  /** Registered device profiles by id (the device's `profile` names one). */
  profiles?: ReadonlyMap<string, ProfilePlugin>;
}

/** Turn a check's result into a finding with its place and requirement references. */
export function toFinding(r: CheckResult, checkId: string, deviceId: string): Finding {
  return {
    testId: r.testId,
    checkId,
    deviceId,
    status: r.status,
    ...(r.target ? { target: r.target } : {}),
    summary: r.summary,
    ...(r.data ? { data: r.data } : {}),
    evidence: r.evidence ?? [],
    requirements: testCaseInfo(r.testId)?.requirements ?? [],
  };
}

function isAbort(err: unknown, signal: AbortSignal): boolean {
  return signal.aborted || (err instanceof Error && err.name === 'AbortError');
}

/** Run every check of the job's suite; returns false when aborted before the end. */
export async function runJob(job: Job, env: JobEnv): Promise<boolean> {
  const { device, journal, attempt } = env;
  const record = (f: Finding): void => {
    journal.append({ type: 'finding', jobId: job.id, attempt, finding: f });
    onFinding.publish({ jobId: job.id, finding: f });
  };
  for (const check of env.suite.checks) {
    if (env.signal.aborted) return false;
    const applies = check.appliesTo(device);
    if (applies !== true) {
      for (const testId of check.testIds) {
        record(toFinding({ testId, status: 'not-applicable', summary: applies }, check.id, device.id));
      }
      continue;
    }
    const ctx: CheckContext = {
      config: env.config,
      device,
      guard: env.guard,
      budget: env.budget,
      signal: env.signal,
      discovered: () => env.discoveries.get(device.id)?.services ?? [],
      discoveryRan: () => env.discoveries.has(device.id),
      recordDiscovery: async (services, scanned = {}) => {
        const list = [...services];
        journal.append({ type: 'discovery', jobId: job.id, attempt, deviceId: device.id, services: list, scanned });
        env.discoveries.set(device.id, { services: list, scanned });
      },
      putEvidence: async (name, bytes, mediaType) => {
        const ref = env.evidence.put(`${device.id}-${name}`, bytes, mediaType);
        journal.append({ type: 'evidence', jobId: job.id, attempt, ref });
        return ref;
      },
      progress: (done, total, note) => {
        onJobProgress.publish({ jobId: job.id, suiteId: job.suiteId, deviceId: device.id, checkId: check.id, done, total, note });
      },
      profile: () => (device.profile === undefined ? undefined : env.profiles?.get(device.profile)),
    };
    let results: CheckResult[];
    try {
      results = await check.run(ctx);
    } catch (err) {
      if (isAbort(err, env.signal)) return false;
      // Scope refusals and other coded faults are recorded with their code, never swallowed.
      const code = err instanceof TrustlabError ? err.code : 'TL_CHECK_FAULT';
      const why = err instanceof Error ? err.message : String(err);
      results = check.testIds.map((testId) => ({ testId, status: 'inconclusive' as const, summary: `check faulted (${code}): ${why}`, data: { errorCode: code } }));
    }
    if (env.signal.aborted) return false;
    for (const r of results) record(toFinding(r, check.id, device.id));
  }
  return true;
}
