/**
 * Turning judgements into check results the same way in every encryption check: the verdict
 * is the worst judgement, a failing summary names each failing item with its table entry and
 * clause, and the data carries every judgement and the tables (with versions) behind them.
 */
import type { CheckResult } from '../../harness/plugins/types.ts';
import type { EvidenceRef, Target } from '../../harness/model.ts';
import { cite, overall, type Judgement } from './policy.ts';

/** What one finding is about and what it was judged by. */
export interface ResultInput {
  testId: string;
  target?: Target;
  /** What was judged, e.g. "TLS versions on tcp/8443". */
  subject: string;
  judgements: Judgement[];
  tables: { id: string; version: string }[];
  evidence?: EvidenceRef[];
  data?: Record<string, unknown>;
  /** Parts of the test that could not apply, each with its reason. */
  notApplicable?: string[];
}

/** One finding from judgements: fail > inconclusive > pass. */
export function toResult(input: ResultInput): CheckResult {
  const status = overall(input.judgements);
  const failing = input.judgements.filter((j) => j.status === 'disallowed');
  const unknown = input.judgements.filter((j) => j.status === 'unknown');
  const judged = input.judgements.filter((j) => j.status !== 'signal');
  const tables = input.tables.map((t) => `${t.id.split('/').pop()}@${t.version}`).join(', ');
  let summary: string;
  if (status === 'fail') summary = `${input.subject}: ${failing.map(cite).join('; ')}`;
  else if (status === 'inconclusive') summary = `${input.subject}: could not judge ${unknown.map((u) => `${u.item} (${u.why})`).join('; ')}`;
  else summary = `${input.subject}: all ${judged.length} item(s) allowed by ${tables}`;
  if (input.notApplicable && input.notApplicable.length > 0) summary += `; not applicable: ${input.notApplicable.join('; ')}`;
  return {
    testId: input.testId,
    status,
    ...(input.target ? { target: input.target } : {}),
    summary,
    data: {
      ...input.data,
      tables: input.tables,
      failures: failing,
      judgements: input.judgements,
      ...(input.notApplicable && input.notApplicable.length > 0 ? { notApplicable: input.notApplicable } : {}),
    },
    ...(input.evidence ? { evidence: input.evidence } : {}),
  };
}

/** The finding for a test that found nothing to judge on this device. */
export function notApplicable(testId: string, why: string): CheckResult {
  return { testId, status: 'not-applicable', summary: why };
}

/** The finding for a test that cannot run because discovery did not. */
export function noDiscovery(testId: string): CheckResult {
  return { testId, status: 'inconclusive', summary: 'no discovery results for this device: run the open-ports suite first' };
}
