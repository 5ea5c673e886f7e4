import { describe, expect, it } from 'vitest';
import { dispatch } from '../../../../harness/scheduler/dispatch.ts';
import { planJobs, type Job } from '../../../../harness/scheduler/plan.ts';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

const SUITES = [
  { id: 'open-ports', after: [] },
  { id: 'default-passwords', after: ['open-ports'] },
  { id: 'encryption', after: ['open-ports'] },
];
const DEVICES = [{ id: 'a' }, { id: 'b' }, { id: 'c' }];

interface Interval {
  id: string;
  deviceId: string;
  start: number;
  end: number;
}

/** A runJob that records when each job ran and the most jobs running at once. */
function recorder(durationMs: (job: Job) => number = () => 15) {
  const intervals: Interval[] = [];
  const started: string[] = [];
  let running = 0;
  let peak = 0;
  let clock = 0;
  // A logical clock: every start and end gets the next tick, so order is exact.
  const run = async (job: Job): Promise<void> => {
    started.push(job.id);
    running++;
    peak = Math.max(peak, running);
    const start = clock++;
    await sleep(durationMs(job));
    running--;
    intervals.push({ id: job.id, deviceId: job.deviceId, start, end: clock++ });
  };
  return { run, intervals, started, peak: () => peak };
}

const overlaps = (x: Interval, y: Interval): boolean => x.start < y.end && y.start < x.end;

describe('dispatch', () => {
  it('never overlaps jobs on one device, runs devices in parallel, and respects after', async () => {
    const jobs = planJobs(SUITES, ['open-ports', 'default-passwords', 'encryption'], DEVICES);
    const r = recorder();
    const out = await dispatch(jobs, r.run, { parallelism: 8 });
    expect(out.skipped).toEqual([]);
    expect([...out.completed].sort()).toEqual(jobs.map((j) => j.id).sort());
    for (const x of r.intervals) {
      for (const y of r.intervals) {
        if (x !== y && x.deviceId === y.deviceId) expect(overlaps(x, y), `${x.id} overlaps ${y.id}`).toBe(false);
      }
    }
    expect(r.peak()).toBeGreaterThan(1);
    expect(r.peak()).toBeLessThanOrEqual(DEVICES.length);
    const at = new Map(r.intervals.map((i) => [i.id, i]));
    for (const j of jobs) for (const dep of j.after) expect(at.get(dep)!.end).toBeLessThan(at.get(j.id)!.start);
  });

  it.each([1, 2])('runs at most parallelism=%i jobs at once', async (parallelism) => {
    const jobs = planJobs(SUITES, ['open-ports'], [{ id: 'a' }, { id: 'b' }, { id: 'c' }, { id: 'd' }]);
    const r = recorder(() => 5);
    await dispatch(jobs, r.run, { parallelism });
    expect(r.peak()).toBe(parallelism);
  });

  it('serialises jobs that share any lock, even across devices', async () => {
    const jobs: Job[] = [
      { id: 'x@a', suiteId: 'x', deviceId: 'a', locks: ['device:a', 'bench-radio'], after: [] },
      { id: 'x@b', suiteId: 'x', deviceId: 'b', locks: ['device:b', 'bench-radio'], after: [] },
      { id: 'y@c', suiteId: 'y', deviceId: 'c', locks: ['device:c'], after: [] },
    ];
    const r = recorder(() => 10);
    await dispatch(jobs, r.run, { parallelism: 3 });
    const at = new Map(r.intervals.map((i) => [i.id, i]));
    expect(overlaps(at.get('x@a')!, at.get('x@b')!)).toBe(false);
    expect(overlaps(at.get('x@a')!, at.get('y@c')!)).toBe(true);
  });

  it('skips jobs in done and counts them as finished for after', async () => {
    const jobs = planJobs(SUITES, ['open-ports', 'encryption'], [{ id: 'a' }, { id: 'b' }]);
    const r = recorder(() => 1);
    const out = await dispatch(jobs, r.run, { parallelism: 4, done: new Set(['open-ports@a', 'encryption@a']) });
    expect([...r.started].sort()).toEqual(['encryption@b', 'open-ports@b']);
    expect([...out.completed].sort()).toEqual(['encryption@b', 'open-ports@b']);
    expect(out.skipped).toEqual([]);
  });

  it('treats an after naming a job outside the list as satisfied', async () => {
    const jobs: Job[] = [{ id: 'x@a', suiteId: 'x', deviceId: 'a', locks: ['device:a'], after: ['gone@a'] }];
    const out = await dispatch(jobs, recorder(() => 1).run, { parallelism: 1 });
    expect(out.completed).toEqual(['x@a']);
  });

  it('stops new starts on abort, lets running jobs finish, and returns the rest as skipped', async () => {
    const jobs = planJobs(SUITES, ['open-ports', 'default-passwords', 'encryption'], [{ id: 'a' }, { id: 'b' }]);
    const ac = new AbortController();
    const finished: string[] = [];
    const started: string[] = [];
    const out = await dispatch(
      jobs,
      async (job) => {
        started.push(job.id);
        if (started.length === 1) setTimeout(() => ac.abort(), 5);
        await sleep(25);
        finished.push(job.id);
      },
      { parallelism: 4, signal: ac.signal },
    );
    // Both open-ports jobs start at once (two devices); nothing starts after the abort.
    expect([...started].sort()).toEqual(['open-ports@a', 'open-ports@b']);
    expect([...out.completed].sort()).toEqual(['open-ports@a', 'open-ports@b']);
    expect(finished).toHaveLength(2);
    expect([...out.skipped].sort()).toEqual(['default-passwords@a', 'default-passwords@b', 'encryption@a', 'encryption@b']);
  });

  it('starts nothing with an already-aborted signal', async () => {
    const jobs = planJobs(SUITES, ['open-ports'], DEVICES);
    const r = recorder(() => 1);
    const out = await dispatch(jobs, r.run, { parallelism: 2, signal: AbortSignal.abort() });
    expect(r.started).toEqual([]);
    expect(out).toEqual({ completed: [], skipped: jobs.map((j) => j.id) });
  });

  it('rethrows a job failure only after the running jobs finish, starting nothing new', async () => {
    const jobs = planJobs(SUITES, ['open-ports', 'encryption'], [{ id: 'a' }, { id: 'b' }]);
    const events: string[] = [];
    const boom = new Error('harness fault');
    const p = dispatch(
      jobs,
      async (job) => {
        events.push(`start ${job.id}`);
        if (job.id === 'open-ports@a') {
          await sleep(2);
          events.push(`throw ${job.id}`);
          throw boom;
        }
        await sleep(30);
        events.push(`end ${job.id}`);
      },
      { parallelism: 4 },
    );
    await expect(p).rejects.toBe(boom);
    expect(events).toEqual(['start open-ports@a', 'start open-ports@b', 'throw open-ports@a', 'end open-ports@b']);
  });

  it('keeps the first failure when several jobs throw', async () => {
    const jobs = planJobs(SUITES, ['open-ports'], [{ id: 'a' }, { id: 'b' }]);
    const first = new Error('first');
    const p = dispatch(jobs, async (job) => {
      await sleep(job.deviceId === 'a' ? 1 : 15);
      throw job.deviceId === 'a' ? first : new Error('second');
    }, { parallelism: 2 });
    await expect(p).rejects.toBe(first);
  });

  it('returns at once for an empty job list', async () => {
    expect(await dispatch([], async () => undefined, { parallelism: 4 })).toEqual({ completed: [], skipped: [] });
  });
});
