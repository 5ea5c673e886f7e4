/**
 * The SARIF 2.1.0 writer: one run; the rules are the test cases with their requirement
 * references; every verdict is a result (fail as an error, pass as `kind: pass`), located by
 * logical locations naming the device and its port; evidence files are hashed artifacts.
 */
import { WRITER_API_VERSION, type WriterPlugin } from '../../harness/plugins/types.ts';
import type { Verdict } from '../../harness/model.ts';
import {
  assertExport, evidenceOf, generatorStamp, reportView, stableUuid, targetLabel, testCasesOf, testTitle,
  type ReportView, type ResultView,
} from './view.ts';

type Json = Record<string, unknown>;
const ID = 'sarif';
const VERSION = '1.0.0';
const SCHEMA_URI = 'https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json';
/** Evidence URIs are relative to the bag's data/ directory. */
const BAG_DATA = 'BAGDATA';

// SARIF allows a level other than "none" only on kind "fail" (§3.27.10).
const KIND: Record<Verdict, { kind: string; level: string }> = {
  fail: { kind: 'fail', level: 'error' },
  pass: { kind: 'pass', level: 'none' },
  inconclusive: { kind: 'open', level: 'none' },
  'not-applicable': { kind: 'notApplicable', level: 'none' },
};

function rules(report: ReportView): Json[] {
  return testCasesOf(report).map(({ testId, requirements }) => {
    const title = testTitle(report, testId) ?? testId;
    return {
      id: testId,
      name: title.replace(/[^A-Za-z0-9]+(.)?/g, (_m, c: string | undefined) => (c ? c.toUpperCase() : '')).replace(/^./, (c) => c.toUpperCase()),
      shortDescription: { text: title },
      fullDescription: { text: `${title}. Requirements: ${requirements.join('; ') || 'none recorded'}.` },
      help: { text: `Cyber Trust Mark test case ${testId}. Maps to: ${requirements.join('; ') || 'none recorded'}.` },
      defaultConfiguration: { level: 'error' },
      properties: { requirements, tags: ['cyber-trust-mark', ...requirements] },
    };
  });
}

/** Logical locations: each device, and under it each port a result names. */
function logicalLocations(report: ReportView): { list: Json[]; index: Map<string, number> } {
  const list: Json[] = [];
  const index = new Map<string, number>();
  for (const d of report.devices) {
    const deviceIndex = list.length;
    index.set(d.id, deviceIndex);
    list.push({ name: d.id, fullyQualifiedName: d.id, kind: 'resource', properties: { address: d.address } });
    const ports = new Set(d.results.filter((r) => r.target).map((r) => `${r.target!.transport}/${r.target!.port}`));
    for (const port of [...ports].sort()) {
      index.set(`${d.id}/${port}`, list.length);
      list.push({ name: port, fullyQualifiedName: `${d.id}/${port}`, kind: 'resource', parentIndex: deviceIndex });
    }
  }
  return { list, index };
}

function result(report: ReportView, deviceId: string, r: ResultView, i: number, ruleIndex: Map<string, number>, locations: Map<string, number>, artifacts: Map<string, number>): Json {
  const name = r.target ? `${deviceId}/${r.target.transport}/${r.target.port}` : deviceId;
  const { kind, level } = KIND[r.status];
  return {
    ruleId: r.testId,
    ruleIndex: ruleIndex.get(r.testId)!,
    kind,
    level,
    message: { text: `${r.status}: ${deviceId} ${targetLabel(r.target)}: ${r.summary}` },
    locations: [{ logicalLocations: [{ index: locations.get(name)!, fullyQualifiedName: name }] }],
    guid: stableUuid(report.run.id, 'sarif-result', deviceId, String(i)),
    partialFingerprints: { 'trustlabTarget/v1': `${deviceId}|${r.testId}|${targetLabel(r.target)}` },
    ...(r.evidence.length > 0
      ? { attachments: r.evidence.map((e) => ({ description: { text: `evidence data/${e.path}` }, artifactLocation: { uri: e.path, uriBaseId: BAG_DATA, index: artifacts.get(e.path)! } })) }
      : {}),
    properties: { verdict: r.status, deviceId, checkId: r.checkId, requirements: r.requirements, ...(r.data ? { data: r.data } : {}) },
  };
}

/** The SARIF log as an object. */
export function sarifLog(report: ReportView): Json {
  const ruleList = rules(report);
  const ruleIndex = new Map(ruleList.map((r, i) => [r.id as string, i]));
  const { list, index } = logicalLocations(report);
  const evidence = evidenceOf(report);
  const artifacts = new Map(evidence.map((e, i) => [e.path, i]));
  return {
    $schema: SCHEMA_URI,
    version: '2.1.0',
    runs: [{
      tool: {
        driver: {
          name: 'trustlab',
          version: report.run.trustlabVersion,
          semanticVersion: report.run.trustlabVersion,
          properties: { generator: generatorStamp(ID, VERSION), suites: report.run.suites.map((s) => `${s.id} ${s.version}`) },
          rules: ruleList,
        },
      },
      automationDetails: { id: `trustlab/${report.run.id}`, guid: stableUuid(report.run.id, 'sarif-run') },
      invocations: [{ executionSuccessful: true, startTimeUtc: report.run.startedAt, endTimeUtc: report.run.endedAt }],
      originalUriBaseIds: { [BAG_DATA]: { description: { text: "The BagIt bag's data/ directory of this run." } } },
      artifacts: evidence.map((e) => ({ location: { uri: e.path, uriBaseId: BAG_DATA }, mimeType: e.mediaType, hashes: { 'sha-256': e.sha256 } })),
      logicalLocations: list,
      results: report.devices.flatMap((d) => d.results.map((r, i) => result(report, d.id, r, i, ruleIndex, index, artifacts))),
      properties: { lab: report.lab, standards: report.standards, summary: report.summary },
    }],
  };
}

/** What the schema cannot see: rule, location and artifact indexes that point at the right entries. */
export function sarifIndexProblems(log: Json): string[] {
  const run = (log.runs as Json[])[0]!;
  const ruleList = ((run.tool as Json).driver as Json).rules as Json[];
  const locations = run.logicalLocations as Json[];
  const artifacts = run.artifacts as Json[];
  const problems: string[] = [];
  (run.results as Json[]).forEach((r, i) => {
    if (ruleList[r.ruleIndex as number]?.id !== r.ruleId) problems.push(`results[${i}]: ruleIndex does not name rule ${String(r.ruleId)}`);
    for (const loc of (r.locations as { logicalLocations: Json[] }[])[0]!.logicalLocations) {
      if (locations[loc.index as number]?.fullyQualifiedName !== loc.fullyQualifiedName) problems.push(`results[${i}]: logical location index is wrong`);
    }
    for (const a of (r.attachments as { artifactLocation: Json }[] | undefined) ?? []) {
      if ((artifacts[a.artifactLocation.index as number]?.location as Json | undefined)?.uri !== a.artifactLocation.uri) problems.push(`results[${i}]: artifact index is wrong`);
    }
  });
  return problems;
}

/** SARIF 2.1.0 log (data/exports/report.sarif). */
export const sarifWriter: WriterPlugin = {
  apiVersion: WRITER_API_VERSION,
  id: ID,
  version: VERSION,
  title: 'SARIF 2.1.0 (code scanning, CI)',
  mediaType: 'application/sarif+json',
  fileName: 'report.sarif',
  render(report) {
    const log = sarifLog(reportView(report, ID));
    assertExport(ID, sarifIndexProblems(log));
    return Buffer.from(`${JSON.stringify(log, null, 2)}\n`, 'utf8');
  },
};
