/**
 * The run: plan jobs, dispatch them under device locks and budgets, journal everything, and at
 * the end build, validate, sign and seal the run directory. A resumed run replays the journal,
 * skips finished jobs and re-runs unfinished ones, so no finding is lost or doubled.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { TrustlabError } from '../errors.ts';
import type { DeviceConfig, LoadedConfig } from '../model.ts';
import type { Registry } from '../plugins/registry.ts';
import { createBudgetGate, type DeviceBudgetGate } from '../scheduler/budget.ts';
import { dispatch } from '../scheduler/dispatch.ts';
import { planJobs } from '../scheduler/plan.ts';
import { createScopeGuard } from '../scope/guard.ts';
import { EvidenceStore } from '../evidence/store.ts';
import { foldJournal, Journal, readJournal, type JournalState } from '../journal/journal.ts';
import { onJobEnd, onJobStart, onRunPhase } from './events.ts';
import { runJob } from './job.ts';
import { finalizeRun, type FinalizeResult } from './finalize.ts';
import { trustlabVersion } from '../version.ts';

export interface RunMode {
  /** Replace every device's ports.tcp (the demo's loopback port list). */
  tcpPorts?: string;
  /** Network namespace the run executes in, if any (recorded for the report). */
  namespace?: string;
}

export interface RunOptions {
  loaded: LoadedConfig;
  registry: Registry;
  outDir: string;
  signal: AbortSignal;
  mode?: RunMode;
  /** Jobs running at once; defaults to the number of devices (one job per device at a time). */
  parallelism?: number;
}

export interface RunOutcome {
  runDir: string;
  runId: string;
  status: 'completed' | 'interrupted';
  final?: FinalizeResult;
}

export const JOURNAL_PATH = 'data/journal.jsonl';

function effectiveDevices(devices: readonly DeviceConfig[], mode: RunMode): DeviceConfig[] {
  return devices.map((d) => (mode.tcpPorts ? { ...d, ports: { ...d.ports, tcp: mode.tcpPorts } } : d));
}

function newRunId(): string {
  const stamp = new Date().toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
  return `run-${stamp}-${randomBytes(3).toString('hex')}`;
}

/** Start a new run in a fresh directory under outDir. */
export async function startRun(opts: RunOptions): Promise<RunOutcome> {
  const runId = newRunId();
  const runDir = path.join(opts.outDir, runId);
  mkdirSync(path.join(runDir, 'data'), { recursive: true });
  const journal = Journal.create(path.join(runDir, JOURNAL_PATH));
  journal.append({
    type: 'run-start',
    runId,
    configPath: opts.loaded.path,
    configDigest: opts.loaded.digest,
    trustlabVersion,
    startedAt: new Date().toISOString(),
    mode: { ...(opts.mode ?? {}) },
  });
  onRunPhase.publish({ phase: 'start', runId });
  return execute(opts, runDir, journal, foldJournal(readJournal(journal.file)));
}

/** Continue an interrupted or killed run from its journal. */
export async function resumeRun(runDir: string, opts: Omit<RunOptions, 'outDir' | 'mode'>): Promise<RunOutcome> {
  const file = path.join(runDir, JOURNAL_PATH);
  const state = foldJournal(readJournal(file));
  if (state.start.configDigest !== opts.loaded.digest) {
    throw new TrustlabError('TL_RESUME_MISMATCH', `the lab config changed since the run started (digest ${state.start.configDigest.slice(0, 12)}… now ${opts.loaded.digest.slice(0, 12)}…)`);
  }
  if (existsSync(path.join(runDir, 'report.intoto.json'))) {
    throw new TrustlabError('TL_RESUME_FINISHED', `${runDir} is already signed`);
  }
  const journal = Journal.reopen(file);
  journal.append({ type: 'resume', at: new Date().toISOString() });
  onRunPhase.publish({ phase: 'resume', runId: state.start.runId, detail: `${state.finishedJobs.size} job(s) already finished` });
  return execute({ ...opts, outDir: path.dirname(runDir), mode: state.start.mode as RunMode }, runDir, journal, state);
}

async function execute(opts: RunOptions, runDir: string, journal: Journal, state: JournalState): Promise<RunOutcome> {
  const { config } = opts.loaded;
  const runId = state.start.runId;
  try {
    const guard = createScopeGuard(config.network.scope);
    const devices = effectiveDevices(config.devices, opts.mode ?? {});
    const budgets = new Map<string, DeviceBudgetGate>(devices.map((d) => [d.id, createBudgetGate(d.budget)]));
    const evidence = new EvidenceStore(path.join(runDir, 'data'));
    const discoveries = new Map(state.discoveries);
    const suites = [...opts.registry.suites.values()];
    const jobs = planJobs(suites, config.suites, devices);
    onRunPhase.publish({ phase: 'jobs', runId, detail: `${jobs.length} job(s)` });

    await dispatch(jobs, async (job) => {
      const attempt = (state.attempts.get(job.id) ?? 0) + 1;
      state.attempts.set(job.id, attempt);
      journal.append({ type: 'job-start', jobId: job.id, attempt, at: new Date().toISOString() });
      onJobStart.publish(job);
      const device = devices.find((d) => d.id === job.deviceId)!;
      const finished = await runJob(job, {
        config, device, suite: opts.registry.suites.get(job.suiteId)!, guard, budget: budgets.get(device.id)!,
        journal, evidence, signal: opts.signal, attempt, discoveries, profiles: opts.registry.profiles,
      });
      if (finished) journal.append({ type: 'job-end', jobId: job.id, attempt, at: new Date().toISOString() });
      onJobEnd.publish({ ...job, finished });
    }, { parallelism: opts.parallelism ?? Math.max(1, devices.length), done: state.finishedJobs, signal: opts.signal });

    if (opts.signal.aborted) {
      journal.append({ type: 'interrupted', at: new Date().toISOString(), reason: String(opts.signal.reason ?? 'signal') });
      onRunPhase.publish({ phase: 'interrupted', runId });
      return { runDir, runId, status: 'interrupted' };
    }
    journal.append({ type: 'run-end', at: new Date().toISOString() });
  } finally {
    journal.close();
  }
  const final = await finalizeRun(runDir, opts.loaded, opts.registry, opts.mode ?? {});
  onRunPhase.publish({ phase: 'done', runId });
  return { runDir, runId, status: 'completed', final };
}
