/**
 * The planner: suites x devices -> jobs. A job is plain serialisable data (so a distributed
 * queue could carry it later); it names the locks it needs and the jobs it must follow.
 */
import { TrustlabError } from '../errors.ts';
import type { DeviceConfig } from '../model.ts';

export interface Job {
  id: string;
  suiteId: string;
  deviceId: string;
  /** Held exclusively while the job runs; jobs whose locks collide run one after another. */
  locks: string[];
  /** Job ids that must finish first. */
  after: string[];
}

/** Order suites so that every suite comes after those it names in `after`. */
export function orderSuites(suites: readonly { id: string; after: readonly string[] }[], wanted: readonly string[]): string[] {
  const byId = new Map(suites.map((s) => [s.id, s]));
  const out: string[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (id: string, chain: string[]): void => {
    const s = byId.get(id);
    if (!s) throw new TrustlabError('TL_SUITE_UNKNOWN', `unknown suite "${id}"`);
    if (state.get(id) === 'done') return;
    if (state.get(id) === 'visiting') throw new TrustlabError('TL_PLUGIN_INVALID', `suite dependency cycle: ${[...chain, id].join(' -> ')}`);
    state.set(id, 'visiting');
    // Only order against dependencies that are part of this run.
    for (const dep of s.after) if (wanted.includes(dep)) visit(dep, [...chain, id]);
    state.set(id, 'done');
    out.push(id);
  };
  for (const id of wanted) visit(id, []);
  return out;
}

/** Expand the ordered suites over the devices. */
export function planJobs(
  suites: readonly { id: string; after: readonly string[] }[],
  wanted: readonly string[],
  devices: readonly Pick<DeviceConfig, 'id'>[],
): Job[] {
  const order = orderSuites(suites, wanted);
  const byId = new Map(suites.map((s) => [s.id, s]));
  const jobs: Job[] = [];
  for (const suiteId of order) {
    for (const d of devices) {
      const deps = byId.get(suiteId)!.after.filter((a) => order.includes(a));
      jobs.push({
        id: `${suiteId}@${d.id}`,
        suiteId,
        deviceId: d.id,
        locks: [`device:${d.id}`],
        after: deps.map((dep) => `${dep}@${d.id}`),
      });
    }
  }
  return jobs;
}
