/**
 * The dispatcher: runs the first ready job whose locks are free (Playwright's model), up to a
 * parallelism limit. Parallel across devices, serial on one device, dependencies respected.
 */
import type { Job } from './plan.ts';

export interface DispatchOptions {
  /** Most jobs running at once. */
  parallelism: number;
  /** Jobs already finished (from a resumed journal): skipped, and count as done for `after`. */
  done?: ReadonlySet<string>;
  signal?: AbortSignal;
}

export interface DispatchOutcome {
  completed: string[];
  /** Jobs not started because the run was aborted. */
  skipped: string[];
}

/**
 * Run `jobs` with `runJob`. Check faults are results (runJob records them as inconclusive), so
 * a throw here is a harness fault: no new job starts, running ones finish, then it is rethrown.
 * Abort likewise stops new starts; the jobs never started are returned as skipped.
 */
export async function dispatch(jobs: readonly Job[], runJob: (job: Job) => Promise<void>, opts: DispatchOptions): Promise<DispatchOutcome> {
  const finished = new Set<string>(opts.done ?? []);
  const pending = jobs.filter((j) => !finished.has(j.id));
  const heldLocks = new Set<string>();
  const running = new Set<Promise<void>>();
  const completed: string[] = [];
  let failure: unknown;

  const ready = (j: Job): boolean => j.after.every((a) => finished.has(a) || !jobs.some((x) => x.id === a)) && j.locks.every((l) => !heldLocks.has(l));

  while (pending.length > 0 || running.size > 0) {
    while (!opts.signal?.aborted && failure === undefined && running.size < opts.parallelism) {
      const idx = pending.findIndex(ready);
      if (idx < 0) break;
      const job = pending.splice(idx, 1)[0]!;
      for (const l of job.locks) heldLocks.add(l);
      const p: Promise<void> = runJob(job)
        .then(() => {
          finished.add(job.id);
          completed.push(job.id);
        })
        .catch((err: unknown) => {
          failure ??= err;
        })
        .finally(() => {
          for (const l of job.locks) heldLocks.delete(l);
          running.delete(p);
        });
      running.add(p);
    }
    if (running.size === 0) break;
    await Promise.race(running);
  }
  if (failure !== undefined) throw failure;
  return { completed, skipped: pending.map((j) => j.id) };
}
