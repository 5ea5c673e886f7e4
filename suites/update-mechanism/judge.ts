/**
 * From what happened in each offered case to verdicts: pure functions, so the verdict table
 * is tested without a device. A case is installed when the version read back is the one it
 * offered; a bad channel is accepted when the device made any HTTP request over it.
 */
import type { Verdict } from '../../harness/model.ts';
import type { UpdateCase } from '../../harness/update-server/cases.ts';
import type { UpdateRequestRecord } from '../../harness/update-server/server.ts';

/** What one offered case did. */
export interface CaseObservation {
  case: UpdateCase;
  offeredVersion?: string;
  /** Why the case could not be offered or read back (then it is inconclusive). */
  notRun?: string;
  /** The device refused to be pointed at the source (a result, not a fault). */
  pointRefused?: string;
  before?: string;
  after?: string;
  finished?: boolean;
  deviceSays?: string;
  requests: UpdateRequestRecord[];
}

export interface CaseVerdict {
  caseId: string;
  testId: string;
  status: Verdict;
  why: string;
}

const fetchedOver = (o: CaseObservation): UpdateRequestRecord[] => o.requests.filter((r) => r.event === 'request' && r.caseId === o.case.id);

/** Installed when the version read back is the offered one (and was not before). */
export function installed(o: CaseObservation): boolean {
  return o.offeredVersion !== undefined && o.after === o.offeredVersion && o.before !== o.offeredVersion;
}

/** The verdict of one case; `control` is whether the valid image installed (CTM-UP-05). */
export function judgeCase(o: CaseObservation, control: boolean, opts: { authenticatedDowngrade?: boolean } = {}): CaseVerdict {
  const base = { caseId: o.case.id, testId: o.case.testId };
  if (o.notRun) return { ...base, status: 'inconclusive', why: o.notRun };
  const says = o.deviceSays ? ` (device: ${o.deviceSays})` : '';
  if (o.case.expect === 'install') {
    if (installed(o)) return { ...base, status: 'pass', why: `installed ${o.offeredVersion}` };
    if (o.pointRefused) return { ...base, status: 'fail', why: `the device refused the lab's update source: ${o.pointRefused}` };
    const fetched = fetchedOver(o).length;
    return { ...base, status: 'fail', why: `not installed: version ${o.after ?? '?'} after the check${o.finished === false ? ' (the check did not finish in time)' : ''}, ${fetched} request(s) made${says}` };
  }
  if (installed(o)) {
    if (o.case.variant === 'older' && opts.authenticatedDowngrade) return { ...base, status: 'pass', why: `installed ${o.offeredVersion}, an authenticated downgrade the manufacturer declares` };
    return { ...base, status: 'fail', why: `installed ${o.offeredVersion}${says}` };
  }
  if (o.after !== undefined && o.before !== undefined && o.after !== o.before) {
    return { ...base, status: 'inconclusive', why: `the version changed from ${o.before} to ${o.after}, which this case did not offer` };
  }
  const fetched = fetchedOver(o);
  if (o.case.testId === 'CTM-UP-02' && fetched.length > 0) {
    const how = [...new Set(fetched.map((r) => `${r.transport === 'plain' ? 'plain HTTP' : 'TLS'} on the ${r.channel} listener`))].join(', ');
    return { ...base, status: 'fail', why: `accepted the channel: fetched ${fetched.map((r) => r.path).join(', ')} (${how}), though it did not install` };
  }
  if (!control) return { ...base, status: 'inconclusive', why: `not installed, but the valid image did not install either (CTM-UP-05), so the refusal proves nothing${says}` };
  if (o.pointRefused) return { ...base, status: 'pass', why: `the device refused the source: ${o.pointRefused}` };
  return { ...base, status: 'pass', why: `refused${says}` };
}

const RANK: Record<Verdict, number> = { pass: 0, 'not-applicable': 0, inconclusive: 1, fail: 2 };

/** One verdict per test id: the worst of its cases. */
export function aggregate(verdicts: readonly CaseVerdict[]): Map<string, { status: Verdict; cases: CaseVerdict[] }> {
  const out = new Map<string, { status: Verdict; cases: CaseVerdict[] }>();
  for (const v of verdicts) {
    const entry = out.get(v.testId) ?? { status: 'pass' as Verdict, cases: [] };
    entry.cases.push(v);
    if (RANK[v.status] > RANK[entry.status]) entry.status = v.status;
    out.set(v.testId, entry);
  }
  return out;
}
