import { describe, expect, it } from 'vitest';
import { orderSuites, planJobs } from '../../../../harness/scheduler/plan.ts';
import { thrown } from '../../support/thrown.ts';

const SUITES = [
  { id: 'open-ports', after: [] },
  { id: 'default-passwords', after: ['open-ports'] },
  { id: 'encryption', after: ['open-ports'] },
  { id: 'robustness', after: ['open-ports', 'default-passwords', 'encryption'] },
  { id: 'update-mechanism', after: [] },
];

describe('orderSuites', () => {
  it.each([
    [['open-ports'], ['open-ports']],
    [['robustness', 'open-ports'], ['open-ports', 'robustness']],
    [['encryption', 'default-passwords', 'open-ports'], ['open-ports', 'encryption', 'default-passwords']],
    [['robustness', 'encryption', 'default-passwords', 'open-ports', 'update-mechanism'], ['open-ports', 'default-passwords', 'encryption', 'robustness', 'update-mechanism']],
    // A dependency not asked for is not pulled in, only ordered against when present.
    [['robustness'], ['robustness']],
    [['encryption', 'encryption'], ['encryption']],
    [[], []],
  ])('%j -> %j', (wanted, expected) => {
    expect(orderSuites(SUITES, wanted)).toEqual(expected);
  });

  it('puts every suite after each of its wanted dependencies', () => {
    const wanted = ['robustness', 'update-mechanism', 'encryption', 'default-passwords', 'open-ports'];
    const order = orderSuites(SUITES, wanted);
    for (const s of SUITES) {
      for (const dep of s.after) expect(order.indexOf(dep)).toBeLessThan(order.indexOf(s.id));
    }
  });

  it('refuses an unknown suite with TL_SUITE_UNKNOWN', () => {
    const err = thrown(() => orderSuites(SUITES, ['open-ports', 'fuzz-magic']));
    expect(err.code).toBe('TL_SUITE_UNKNOWN');
    expect(err.exitCode).toBe(3);
    expect(err.message).toContain('fuzz-magic');
  });

  it.each([
    [[{ id: 'a', after: ['b'] }, { id: 'b', after: ['a'] }], ['a', 'b'], 'a -> b -> a'],
    [[{ id: 'a', after: ['a'] }], ['a'], 'a -> a'],
    [[{ id: 'a', after: ['b'] }, { id: 'b', after: ['c'] }, { id: 'c', after: ['a'] }], ['c', 'a', 'b'], 'c -> a -> b -> c'],
  ])('refuses a dependency cycle with TL_PLUGIN_INVALID (%#)', (suites, wanted, chain) => {
    const err = thrown(() => orderSuites(suites, wanted));
    expect(err.code).toBe('TL_PLUGIN_INVALID');
    expect(err.message).toContain(`suite dependency cycle: ${chain}`);
  });

  it('ignores a cycle through a suite that is not in the run', () => {
    const suites = [{ id: 'a', after: ['b'] }, { id: 'b', after: ['a'] }];
    expect(orderSuites(suites, ['a'])).toEqual(['a']);
  });
});

describe('planJobs', () => {
  const devices = [{ id: 'cam-1' }, { id: 'plug-2' }];

  it('expands ordered suites over devices with ids, locks and after', () => {
    const jobs = planJobs(SUITES, ['default-passwords', 'open-ports'], devices);
    expect(jobs).toEqual([
      { id: 'open-ports@cam-1', suiteId: 'open-ports', deviceId: 'cam-1', locks: ['device:cam-1'], after: [] },
      { id: 'open-ports@plug-2', suiteId: 'open-ports', deviceId: 'plug-2', locks: ['device:plug-2'], after: [] },
      { id: 'default-passwords@cam-1', suiteId: 'default-passwords', deviceId: 'cam-1', locks: ['device:cam-1'], after: ['open-ports@cam-1'] },
      { id: 'default-passwords@plug-2', suiteId: 'default-passwords', deviceId: 'plug-2', locks: ['device:plug-2'], after: ['open-ports@plug-2'] },
    ]);
  });

  it('names only dependencies that are in the run, on the same device', () => {
    const jobs = planJobs(SUITES, ['robustness', 'encryption'], [{ id: 'd' }]);
    expect(jobs.map((j) => [j.id, j.after])).toEqual([
      ['encryption@d', []],
      ['robustness@d', ['encryption@d']],
    ]);
  });

  it('plans nothing without devices, and is plain serialisable data', () => {
    expect(planJobs(SUITES, ['open-ports'], [])).toEqual([]);
    const jobs = planJobs(SUITES, ['robustness', 'open-ports', 'encryption', 'default-passwords'], devices);
    expect(jobs).toHaveLength(8);
    expect(JSON.parse(JSON.stringify(jobs))).toEqual(jobs);
    expect(new Set(jobs.map((j) => j.id)).size).toBe(8);
  });

  it('propagates unknown suites and cycles', () => {
    expect(thrown(() => planJobs(SUITES, ['nope'], devices)).code).toBe('TL_SUITE_UNKNOWN');
    expect(thrown(() => planJobs([{ id: 'a', after: ['a'] }], ['a'], devices)).code).toBe('TL_PLUGIN_INVALID');
  });
});
