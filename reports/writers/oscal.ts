/**
 * The OSCAL assessment-results writer: one result per run; one observation per test execution
 * (with relevant evidence pointing at back-matter resources that carry the SHA-256 of each
 * evidence file); one finding per test case, device and target; a risk for every failure.
 */
import { WRITER_API_VERSION, type WriterPlugin } from '../../harness/plugins/types.ts';
import {
  componentUuid, controlId, deviceComponents, evidenceResourceUuid, mdLine, OSCAL_AP_FILE, OSCAL_AR_FILE, oscalMetadata,
  oscalReferenceProblems, prop, reportResource, reportResourceUuid, reviewedControls,
} from './oscal-plan.ts';
import {
  assertExport, evidenceOf, generatorStamp, reportView, stableUuid, targetLabel, testCasesOf, testTitle,
  type DeviceView, type ReportView, type ResultView,
} from './view.ts';

type Json = Record<string, unknown>;
const ID = 'oscal';
const VERSION = '1.0.0';

interface Execution {
  device: DeviceView;
  result: ResultView;
  uuid: string;
}

function observation(report: ReportView, x: Execution): Json {
  const { device, result } = x;
  const evidence = [
    { href: `#${reportResourceUuid(report)}`, description: 'The verdict, its summary and data as recorded in data/report.json.' },
    ...result.evidence.map((e) => ({ href: `#${evidenceResourceUuid(report, e.path)}`, description: mdLine(`Evidence file data/${e.path} (sha256 ${e.sha256}).`) })),
  ];
  return {
    uuid: x.uuid,
    title: mdLine(`${result.testId} on ${device.id} ${targetLabel(result.target)}`),
    description: mdLine(result.summary),
    props: [prop('verdict', result.status), prop('check-id', result.checkId), prop('target', targetLabel(result.target))],
    methods: ['TEST'],
    subjects: [{ 'subject-uuid': componentUuid(report, device), type: 'component' }],
    'relevant-evidence': evidence,
    collected: report.run.endedAt,
  };
}

function risk(report: ReportView, x: Execution): Json {
  const { device, result } = x;
  return {
    uuid: stableUuid(report.run.id, 'risk', x.uuid),
    title: mdLine(`${result.testId} fails on ${device.id} ${targetLabel(result.target)}`),
    description: mdLine(result.summary),
    statement: mdLine(`Requirements not met: ${result.requirements.join('; ') || result.testId}.`),
    status: 'open',
    'related-observations': [{ 'observation-uuid': x.uuid }],
  };
}

// A finding is not-satisfied when any execution it covers failed or could not be tested.
function finding(report: ReportView, key: string, runs: Execution[], risks: Map<string, string>): Json {
  const { device, result } = runs[0]!;
  const verdicts = runs.map((r) => r.result.status);
  const failed = verdicts.includes('fail');
  const unknown = verdicts.includes('inconclusive');
  const state = failed || unknown ? 'not-satisfied' : 'satisfied';
  const reason = failed ? 'fail' : verdicts.every((v) => v === 'pass') ? 'pass' : 'other';
  const verdict = failed ? 'fail' : unknown ? 'inconclusive' : verdicts.every((v) => v === 'not-applicable') ? 'not-applicable' : 'pass';
  const title = testTitle(report, result.testId);
  const related = runs.flatMap((r) => (risks.has(r.uuid) ? [{ 'risk-uuid': risks.get(r.uuid)! }] : []));
  return {
    uuid: stableUuid(report.run.id, 'finding', key),
    title: mdLine(`${result.testId} ${device.id} ${targetLabel(result.target)}: ${verdict}`),
    description: mdLine(runs.map((r) => r.result.summary).join(' / ')),
    props: [prop('verdict', verdict), prop('device-id', device.id)],
    target: {
      type: 'objective-id',
      'target-id': controlId(result.testId),
      ...(title ? { title: mdLine(title) } : {}),
      status: { state, reason, ...(reason === 'other' ? { remarks: mdLine(verdict === 'inconclusive' ? 'Inconclusive: could not be tested.' : 'Not applicable or mixed verdicts.') } : {}) },
    },
    'related-observations': runs.map((r) => ({ 'observation-uuid': r.uuid })),
    ...(related.length > 0 ? { 'related-risks': related } : {}),
  };
}

/** The assessment-results document (an object, validated by its reference check). */
export function assessmentResults(report: ReportView): Json {
  const { run } = report;
  const executions: Execution[] = report.devices.flatMap((device) =>
    device.results.map((result, i) => ({ device, result, uuid: stableUuid(run.id, 'observation', device.id, String(i)) })));
  const risks = new Map<string, Json>();
  for (const x of executions) if (x.result.status === 'fail') risks.set(x.uuid, risk(report, x));
  const riskIds = new Map([...risks].map(([obs, r]) => [obs, r.uuid as string]));
  const byTarget = new Map<string, Execution[]>();
  for (const x of executions) {
    const key = [x.device.id, x.result.testId, targetLabel(x.result.target)].join('|');
    byTarget.set(key, [...(byTarget.get(key) ?? []), x]);
  }
  const result: Json = {
    uuid: stableUuid(run.id, 'result'),
    title: mdLine(`trustlab run ${run.id}`),
    description: mdLine(`Cyber Trust Mark conformance tests of ${report.devices.length} device(s) by ${report.lab.name}: ${report.summary.pass} pass, ${report.summary.fail} fail, ${report.summary.inconclusive} inconclusive, ${report.summary['not-applicable']} not applicable.`),
    start: run.startedAt,
    end: run.endedAt,
    props: [...run.suites.map((s) => prop('suite', `${s.id} ${s.version}`)), ...run.policies.map((p) => prop('policy-table', `${p.id} ${p.version}`)), ...report.standards.map((s) => prop('standard', `${s.id} ${s.edition}`))],
    'local-definitions': { components: deviceComponents(report) },
    'reviewed-controls': reviewedControls(testCasesOf(report).map((t) => t.testId)),
    ...(executions.length > 0 ? { observations: executions.map((x) => observation(report, x)) } : {}),
    ...(risks.size > 0 ? { risks: [...risks.values()] } : {}),
    ...(byTarget.size > 0 ? { findings: [...byTarget].map(([key, runs]) => finding(report, key, runs, riskIds)) } : {}),
  };
  const resources = [
    reportResource(report, 'The signed trustlab report: every verdict with its summary, data and evidence digests.'),
    ...evidenceOf(report).map((e) => ({
      uuid: evidenceResourceUuid(report, e.path),
      title: mdLine(`data/${e.path}`),
      rlinks: [{ href: `../${e.path}`, 'media-type': e.mediaType, hashes: [{ algorithm: 'SHA-256', value: e.sha256 }] }],
    })),
  ];
  return {
    'assessment-results': {
      uuid: stableUuid(run.id, 'assessment-results'),
      metadata: oscalMetadata(report, `trustlab assessment results, run ${run.id}`, generatorStamp(ID, VERSION)),
      'import-ap': { href: OSCAL_AP_FILE },
      results: [result],
      'back-matter': { resources },
    },
  };
}

/** OSCAL 1.2.1 assessment results (data/exports/oscal-assessment-results.json). */
export const oscalWriter: WriterPlugin = {
  apiVersion: WRITER_API_VERSION,
  id: ID,
  version: VERSION,
  title: `OSCAL assessment results (imports ${OSCAL_AP_FILE})`,
  mediaType: 'application/json',
  fileName: OSCAL_AR_FILE,
  render(report) {
    const doc = assessmentResults(reportView(report, ID));
    assertExport(ID, oscalReferenceProblems(doc));
    return Buffer.from(`${JSON.stringify(doc, null, 2)}\n`, 'utf8');
  },
};
