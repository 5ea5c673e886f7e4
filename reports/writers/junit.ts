/**
 * The JUnit XML writer: one testsuite per device x suite, one testcase per test case x target;
 * `failure` for fail, `skipped` for not-applicable, `error` for inconclusive. Written to the
 * intersection of the strict Ant schema and the Jenkins xUnit one (see FORMATS.md), so both
 * accept it: no attributes on <testsuites>, timestamps without a zone, every required part.
 */
import { WRITER_API_VERSION, type WriterPlugin } from '../../harness/plugins/types.ts';
import { assertExport, escapeMarkup, escapeText, generatorStamp, groupsOf, productName, reportView, targetLabel, testTitle, type ReportView, type ResultView, type SuiteGroup } from './view.ts';

const ID = 'junit';
const VERSION = '1.0.0';

const esc = escapeMarkup;

/** An xs:token attribute value: whitespace collapsed, never empty, escaped. */
function token(text: string): string {
  return escapeMarkup(text.replace(/\s+/g, ' ').trim() || '-');
}

/** The Ant schema's timestamp: UTC, seconds, and no zone designator. */
function timestamp(iso: string): string {
  return new Date(iso).toISOString().slice(0, 19);
}

function details(r: ResultView): string {
  const lines = [r.summary, `check: ${r.checkId}`, `requirements: ${r.requirements.join('; ') || 'none recorded'}`];
  for (const e of r.evidence) lines.push(`evidence: data/${e.path} sha256=${e.sha256}`);
  if (r.data) lines.push(`data: ${JSON.stringify(r.data)}`);
  return lines.join('\n');
}

function testcase(report: ReportView, g: SuiteGroup, r: ResultView): string {
  const title = testTitle(report, r.testId);
  const name = `${r.testId} ${targetLabel(r.target)}${title ? `: ${title}` : ''}`;
  const classname = `${g.device.id}.${r.checkId.replace(/\//g, '.')}`;
  const open = `    <testcase name="${token(name)}" classname="${token(classname)}" time="0"`;
  switch (r.status) {
    case 'pass':
      return `${open}/>`;
    case 'fail':
      return `${open}>\n      <failure message="${esc(r.summary)}" type="${token(r.testId)}">${escapeText(details(r))}</failure>\n    </testcase>`;
    case 'inconclusive':
      return `${open}>\n      <error message="${esc(r.summary)}" type="inconclusive">${escapeText(details(r))}</error>\n    </testcase>`;
    case 'not-applicable':
      return `${open}>\n      <skipped message="${esc(r.summary)}">${escapeText(details(r))}</skipped>\n    </testcase>`;
  }
}

function testsuite(report: ReportView, g: SuiteGroup, id: number): string {
  const count = (s: ResultView['status']): number => g.results.filter((r) => r.status === s).length;
  const d = g.device;
  const props: [string, string][] = [
    ['generator', generatorStamp(ID, VERSION)],
    ['run.id', report.run.id],
    ['run.startedAt', report.run.startedAt],
    ['run.endedAt', report.run.endedAt],
    ['trustlab.version', report.run.trustlabVersion],
    ['suite.version', g.version],
    ['device.address', d.address],
    ['device.product', productName(d)],
    ['device.firmwareVersion', d.product.firmwareVersion ?? 'not declared'],
    ['lab.name', report.lab.name],
    ['lab.signer', `${report.lab.signer.name} (${report.lab.signer.role})`],
    ['note', 'timestamps are UTC; per-test durations are not recorded (time="0")'],
  ];
  const out = g.results.map((r) => `${r.status.padEnd(15)} ${r.testId} ${targetLabel(r.target)}: ${r.summary}`).join('\n');
  return [
    `  <testsuite name="${token(`${d.id}/${g.suite}`)}" package="${token(d.id)}" id="${id}" hostname="${token(d.address)}" timestamp="${timestamp(report.run.startedAt)}"`
      + ` tests="${g.results.length}" failures="${count('fail')}" errors="${count('inconclusive')}" skipped="${count('not-applicable')}" time="0">`,
    '    <properties>',
    ...props.map(([n, v]) => `      <property name="${token(n)}" value="${esc(v)}"/>`),
    '    </properties>',
    ...g.results.map((r) => testcase(report, g, r)),
    `    <system-out>${escapeText(out)}</system-out>`,
    '    <system-err></system-err>',
    '  </testsuite>',
  ].join('\n');
}

/** The JUnit XML document as text. */
export function junitXml(report: ReportView): string {
  const suites = groupsOf(report).map((g, i) => testsuite(report, g, i));
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<!-- ${generatorStamp(ID, VERSION)}: trustlab run ${esc(report.run.id).replace(/--/g, '- -')} -->`,
    '<testsuites>',
    ...suites,
    '</testsuites>',
    '',
  ].join('\n');
}

/** Counts in the XML that must agree with the report: a cheap guard against a broken render. */
export function junitCountProblems(report: ReportView, xml: string): string[] {
  const problems: string[] = [];
  const cases = (xml.match(/<testcase /g) ?? []).length;
  const total = report.devices.reduce((n, d) => n + d.results.length, 0);
  if (cases !== total) problems.push(`${cases} testcase elements for ${total} results`);
  const failures = (xml.match(/<failure /g) ?? []).length;
  if (failures !== report.summary.fail) problems.push(`${failures} failure elements for ${report.summary.fail} failed results`);
  if ((xml.match(/<testsuite /g) ?? []).length !== groupsOf(report).length) problems.push('testsuite count differs from device x suite groups');
  return problems;
}

/** JUnit XML (data/exports/junit.xml). */
export const junitWriter: WriterPlugin = {
  apiVersion: WRITER_API_VERSION,
  id: ID,
  version: VERSION,
  title: 'JUnit XML (CI test reports)',
  mediaType: 'application/xml',
  fileName: 'junit.xml',
  render(report) {
    const view = reportView(report, ID);
    const xml = junitXml(view);
    assertExport(ID, junitCountProblems(view, xml));
    return Buffer.from(xml, 'utf8');
  },
};
