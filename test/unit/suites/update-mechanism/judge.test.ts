/** The verdict table of offered cases, over plain observations (no device). */
import { describe, expect, it } from 'vitest';
import { UPDATE_CASES } from '../../../../harness/update-server/cases.ts';
import type { UpdateRequestRecord } from '../../../../harness/update-server/server.ts';
import { aggregate, judgeCase, type CaseObservation } from '../../../../suites/update-mechanism/judge.ts';

const c = (id: string) => UPDATE_CASES.find((x) => x.id === id)!;
const req = (caseId: string, transport: 'tls' | 'plain' = 'tls'): UpdateRequestRecord => ({ seq: 1, at: '', channel: 'https-expired', transport, event: 'request', remote: '127.0.0.1:1', path: `/${caseId}/manifest.json`, caseId });
const obs = (id: string, o: Partial<CaseObservation>): CaseObservation => ({ case: c(id), offeredVersion: '1.0.5', before: '1.0.0', after: '1.0.0', requests: [], ...o });

describe('judgeCase', () => {
  it.each([
    ['valid installed', obs('valid-newer', { after: '1.0.5' }), true, 'pass'],
    ['valid not installed', obs('valid-newer', {}), false, 'fail'],
    ['bad image installed', obs('unsigned-image', { after: '1.0.5' }), true, 'fail'],
    ['bad image refused', obs('unsigned-image', {}), true, 'pass'],
    ['refused, but the control failed', obs('unsigned-image', {}), false, 'inconclusive'],
    ['bad channel fetched, not installed', obs('expired-certificate', { requests: [req('expired-certificate')] }), true, 'fail'],
    ['integrity case fetched but refused', obs('byte-flipped-image', { requests: [req('byte-flipped-image')] }), true, 'pass'],
    ['version moved elsewhere', obs('rollback', { after: '7.0.0' }), true, 'inconclusive'],
    ['not run', obs('rollback', { notRun: 'no version below 0.0.0' }), true, 'inconclusive'],
    ['plain source refused when pointing', obs('plain-http', { pointRefused: 'https required' }), true, 'pass'],
  ] as const)('%s -> %s', (_name, o, control, status) => {
    expect(judgeCase(o, control).status).toBe(status);
  });

  it('accepts an installed older version only when an authenticated downgrade is declared', () => {
    const o = obs('rollback', { offeredVersion: '0.9.0', after: '0.9.0' });
    expect(judgeCase(o, true).status).toBe('fail');
    expect(judgeCase(o, true, { authenticatedDowngrade: true })).toMatchObject({ status: 'pass', why: expect.stringMatching(/authenticated downgrade/) });
  });

  it('names the channel and transport of a fetch over a bad channel', () => {
    expect(judgeCase(obs('self-signed-certificate', { requests: [req('self-signed-certificate', 'plain')] }), true).why).toMatch(/plain HTTP on the https-expired listener/);
  });

  it('aggregates to the worst verdict per test id', () => {
    const agg = aggregate([
      { caseId: 'a', testId: 'CTM-UP-02', status: 'pass', why: '' },
      { caseId: 'b', testId: 'CTM-UP-02', status: 'fail', why: '' },
      { caseId: 'c', testId: 'CTM-UP-03', status: 'inconclusive', why: '' },
      { caseId: 'd', testId: 'CTM-UP-03', status: 'pass', why: '' },
    ]);
    expect([...agg].map(([t, v]) => [t, v.status, v.cases.length])).toEqual([['CTM-UP-02', 'fail', 2], ['CTM-UP-03', 'inconclusive', 2]]);
  });
});
