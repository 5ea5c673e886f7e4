import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TrustlabError } from '../../../../harness/errors.ts';
import { EvidenceStore } from '../../../../harness/evidence/store.ts';
import { Journal, readJournal, type JournalEntry } from '../../../../harness/journal/journal.ts';
import type { DeviceConfig, DiscoveredService, Finding, LabConfig } from '../../../../harness/model.ts';
import { testCaseInfo } from '../../../../harness/plugins/test-cases.ts';
import { CHECK_API_VERSION, type CheckContext, type CheckPlugin, type CheckResult } from '../../../../harness/plugins/types.ts';
import { runJob, toFinding, type JobEnv } from '../../../../harness/run/job.ts';
import { createBudgetGate } from '../../../../harness/scheduler/budget.ts';
import type { Job } from '../../../../harness/scheduler/plan.ts';
import { createScopeGuard } from '../../../../harness/scope/guard.ts';

const root = mkdtempSync(path.join(tmpdir(), 'trustlab-job-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const device: DeviceConfig = {
  id: 'cam-1',
  address: '127.66.0.9',
  product: { manufacturer: 'Acme', model: 'Cam' },
  declared: { services: [] },
  budget: { maxSockets: 4, attemptsPerSecond: 10 },
  ports: { tcp: '22', udp: 'none' },
};
const config = { devices: [device] } as unknown as LabConfig;
const job: Job = { id: 'fake@cam-1', suiteId: 'fake', deviceId: 'cam-1', locks: ['device:cam-1'], after: [] };

const fakeCheck = (name: string, run: (ctx: CheckContext) => Promise<CheckResult[]>, over: Partial<CheckPlugin> = {}): CheckPlugin => ({
  apiVersion: CHECK_API_VERSION,
  id: `fake/${name}`,
  version: '1.0.0',
  title: name,
  testIds: ['CTM-PT-01'],
  needs: [],
  appliesTo: () => true,
  run,
  ...over,
});

let n = 0;
let dir: string;
let journal: Journal;
let env: JobEnv;

function makeEnv(checks: CheckPlugin[], signal: AbortSignal = new AbortController().signal, attempt = 1): JobEnv {
  env = {
    config,
    device,
    suite: { apiVersion: CHECK_API_VERSION, id: 'fake', version: '1.0.0', title: 'Fake', after: [], checks },
    guard: createScopeGuard(['127.66.0.0/24']),
    budget: createBudgetGate(device.budget),
    journal,
    evidence: new EvidenceStore(path.join(dir, 'data')),
    signal,
    attempt,
    discoveries: new Map(),
  };
  return env;
}

beforeEach(() => {
  dir = path.join(root, `run-${++n}`);
  journal = Journal.create(`${dir}.jsonl`);
});
afterEach(() => {
  journal.close();
});

const entries = (): JournalEntry[] => readJournal(journal.file);
const findings = (): Finding[] => entries().flatMap((e) => (e.type === 'finding' ? [e.finding] : []));

describe('runJob', () => {
  it('journals each result as a finding with check, device and catalogue requirements', async () => {
    const ok = await runJob(job, makeEnv([
      fakeCheck('a', async () => [
        { testId: 'CTM-PT-01', status: 'pass', summary: 'all declared', target: { transport: 'tcp', port: 22, service: 'ssh' } },
        { testId: 'CTM-PT-04', status: 'fail', summary: 'telnet on', data: { port: 23 } },
      ], { testIds: ['CTM-PT-01', 'CTM-PT-04'] }),
    ]));
    expect(ok).toBe(true);
    const fs = findings();
    expect(fs).toEqual([
      {
        testId: 'CTM-PT-01', checkId: 'fake/a', deviceId: 'cam-1', status: 'pass', target: { transport: 'tcp', port: 22, service: 'ssh' },
        summary: 'all declared', evidence: [], requirements: testCaseInfo('CTM-PT-01')!.requirements,
      },
      {
        testId: 'CTM-PT-04', checkId: 'fake/a', deviceId: 'cam-1', status: 'fail', summary: 'telnet on', data: { port: 23 },
        evidence: [], requirements: testCaseInfo('CTM-PT-04')!.requirements,
      },
    ]);
    expect(fs[0]!.requirements).toContain('NIST IR 8425 IAC-1(a)');
    expect(entries().every((e) => e.type !== 'finding' || (e.jobId === job.id && e.attempt === 1))).toBe(true);
  });

  it('records not-applicable with the reason for every test id, without running the check', async () => {
    let ran = false;
    const ok = await runJob(job, makeEnv([
      fakeCheck('na', async () => {
        ran = true;
        return [];
      }, { testIds: ['CTM-PT-01', 'CTM-PT-04'], appliesTo: () => 'no TCP services declared or found' }),
    ]));
    expect(ok).toBe(true);
    expect(ran).toBe(false);
    expect(findings().map((f) => [f.testId, f.status, f.summary, f.requirements.length > 0])).toEqual([
      ['CTM-PT-01', 'not-applicable', 'no TCP services declared or found', true],
      ['CTM-PT-04', 'not-applicable', 'no TCP services declared or found', true],
    ]);
  });

  it.each([
    ['a plain Error', new Error('socket exploded'), 'TL_CHECK_FAULT', 'socket exploded'],
    ['a thrown string', 'weird', 'TL_CHECK_FAULT', 'weird'],
    ['a scope refusal', new TrustlabError('TL_SCOPE_VIOLATION', 'refused to connect: 192.0.2.1 is outside'), 'TL_SCOPE_VIOLATION', 'refused to connect: 192.0.2.1 is outside'],
  ])('turns %s into inconclusive with its code, and goes on', async (_what, thrown, code, why) => {
    const ok = await runJob(job, makeEnv([
      fakeCheck('boom', async () => {
        throw thrown;
      }, { testIds: ['CTM-PT-01', 'CTM-PT-04'] }),
      fakeCheck('after', async () => [{ testId: 'CTM-PT-01', status: 'pass', summary: 'still ran' }]),
    ]));
    expect(ok).toBe(true);
    const fs = findings();
    expect(fs).toHaveLength(3);
    for (const f of fs.slice(0, 2)) {
      expect(f.status).toBe('inconclusive');
      expect(f.checkId).toBe('fake/boom');
      expect(f.summary).toBe(`check faulted (${code}): ${why}`);
      expect(f.data).toEqual({ errorCode: code });
      expect(f.requirements.length).toBeGreaterThan(0);
    }
    expect(fs.map((f) => f.testId)).toEqual(['CTM-PT-01', 'CTM-PT-04', 'CTM-PT-01']);
    expect(fs[2]).toMatchObject({ checkId: 'fake/after', status: 'pass' });
  });

  it('returns false and runs nothing when aborted before start', async () => {
    let ran = false;
    const ok = await runJob(job, makeEnv([fakeCheck('a', async () => {
      ran = true;
      return [];
    })], AbortSignal.abort()));
    expect(ok).toBe(false);
    expect(ran).toBe(false);
    expect(entries()).toEqual([]);
  });

  it('returns false and journals nothing for a check aborted mid-run that still returns results', async () => {
    const ac = new AbortController();
    const ok = await runJob(job, makeEnv([
      fakeCheck('first', async () => [{ testId: 'CTM-PT-01', status: 'pass', summary: 'done before abort' }]),
      fakeCheck('aborted', async () => {
        ac.abort();
        await new Promise((r) => setTimeout(r, 5));
        return [{ testId: 'CTM-PT-01', status: 'pass', summary: 'partial: must not count' }];
      }),
      fakeCheck('never', async () => [{ testId: 'CTM-PT-01', status: 'pass', summary: 'never' }]),
    ], ac.signal));
    expect(ok).toBe(false);
    expect(findings().map((f) => f.summary)).toEqual(['done before abort']);
  });

  it('returns false without an inconclusive finding when the check rejects because of the abort', async () => {
    const ac = new AbortController();
    const ok = await runJob(job, makeEnv([
      fakeCheck('aborted', async (ctx) => {
        ac.abort(new Error('SIGINT'));
        await ctx.budget.acquireSocket(ctx.signal);
        return [];
      }),
    ], ac.signal));
    expect(ok).toBe(false);
    expect(findings()).toEqual([]);
  });

  it('treats an AbortError from a check as an abort even when the job signal is live', async () => {
    const ok = await runJob(job, makeEnv([
      fakeCheck('timeout', async () => {
        throw Object.assign(new Error('The operation was aborted'), { name: 'AbortError' });
      }),
    ]));
    expect(ok).toBe(false);
    expect(findings()).toEqual([]);
  });

  it('journals discovery and evidence with the job and attempt, and shares discovery', async () => {
    const services: DiscoveredService[] = [{ transport: 'tcp', port: 22, state: 'open', service: 'ssh', identifiedBy: 'banner' }];
    let before: readonly DiscoveredService[] = [];
    let ranBefore = true;
    const e = makeEnv([
      fakeCheck('discover', async (ctx) => {
        before = ctx.discovered();
        ranBefore = ctx.discoveryRan();
        await ctx.recordDiscovery(services, { tcp: '22' });
        const ref = await ctx.putEvidence('scan.json', '{"ok":true}', 'application/json');
        return [{ testId: 'CTM-PT-01', status: 'pass', summary: 'ok', evidence: [ref] }];
      }),
      fakeCheck('use', async (ctx) => [{ testId: 'CTM-PT-01', status: 'pass', summary: `saw ${ctx.discovered().length} and ran=${ctx.discoveryRan()}` }]),
    ], undefined, 3);
    expect(await runJob(job, e)).toBe(true);
    expect(before).toEqual([]);
    expect(ranBefore).toBe(false);
    expect(e.discoveries.get('cam-1')).toEqual({ services, scanned: { tcp: '22' } });
    const all = entries();
    const disc = all.find((x) => x.type === 'discovery');
    expect(disc).toEqual({ type: 'discovery', jobId: job.id, attempt: 3, deviceId: 'cam-1', services, scanned: { tcp: '22' } });
    const ev = all.find((x) => x.type === 'evidence');
    expect(ev).toMatchObject({ type: 'evidence', jobId: job.id, attempt: 3 });
    const ref = (ev as Extract<JournalEntry, { type: 'evidence' }>).ref;
    expect(ref.path).toMatch(/^evidence\/[0-9a-f]{16}-cam-1-scan\.json$/);
    expect(readFileSync(path.join(e.evidence.dataDir, ref.path), 'utf8')).toBe('{"ok":true}');
    const fs = findings();
    expect(fs[0]!.evidence).toEqual([ref]);
    expect(fs[1]!.summary).toBe('saw 1 and ran=true');
  });

  it('publishes each finding on trustlab:finding', async () => {
    const seen: unknown[] = [];
    const on = (m: unknown): void => {
      seen.push(m);
    };
    subscribe('trustlab:finding', on);
    try {
      await runJob(job, makeEnv([fakeCheck('a', async () => [{ testId: 'CTM-PT-01', status: 'pass', summary: 'x' }])]));
    } finally {
      unsubscribe('trustlab:finding', on);
    }
    expect(seen).toEqual([{ jobId: job.id, finding: expect.objectContaining({ checkId: 'fake/a', summary: 'x' }) }]);
  });
});

describe('toFinding', () => {
  it('fills requirements from the catalogue and leaves unknown test ids without', () => {
    expect(toFinding({ testId: 'CTM-DP-02', status: 'fail', summary: 's' }, 'c/x', 'd').requirements).toEqual(testCaseInfo('CTM-DP-02')!.requirements);
    expect(toFinding({ testId: 'CTM-XX-99', status: 'pass', summary: 's' }, 'c/x', 'd').requirements).toEqual([]);
  });

  it('omits absent target and data, and defaults evidence to []', () => {
    expect(toFinding({ testId: 'CTM-PT-01', status: 'pass', summary: 's' }, 'c/x', 'd')).toEqual({
      testId: 'CTM-PT-01', checkId: 'c/x', deviceId: 'd', status: 'pass', summary: 's', evidence: [], requirements: testCaseInfo('CTM-PT-01')!.requirements,
    });
  });
});
