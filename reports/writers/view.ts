/**
 * What every export writer reads from a finished report: typed views of the report (schema
 * 1.0.0), stable UUIDs derived from the run id, grouping of results per device and suite,
 * and the generator stamp that lets `verify` tell which writer version rendered a file.
 */
import { createHash } from 'node:crypto';
import { TrustlabError } from '../../harness/errors.ts';
import type { DiscoveredService, EvidenceRef, Finding, Target, Verdict } from '../../harness/model.ts';
import { requirementsVersion, testCaseInfo } from '../../harness/plugins/test-cases.ts';

/** One result as the report holds it: a finding, filed under its device instead of naming it. */
export type ResultView = Omit<Finding, 'deviceId'>;

/** Verdict counts. */
export type CountsView = Record<Verdict, number> & { total: number };

/** One device of the report. */
export interface DeviceView {
  id: string;
  address: string;
  product: { manufacturer?: string; model?: string; hardwareVersion?: string; firmwareVersion?: string; serial?: string };
  declared: {
    services?: { port: number; transport: string; service: string; auth?: string; disabled?: boolean }[];
    passwords?: string;
    updates?: { automatic?: boolean; channel?: string };
    supportEndDate?: string;
    registry?: { passwordChangeInstructions?: string; secureConfiguration?: string; updateInstructions?: string; sbom?: boolean; hbom?: boolean };
    [k: string]: unknown;
  };
  discovered: { services: DiscoveredService[]; scanned?: Record<string, unknown> };
  results: ResultView[];
  summary: CountsView;
}

/** The report (schema 1.0.0) as the writers read it. */
export interface ReportView {
  schemaVersion: string;
  run: {
    id: string;
    startedAt: string;
    endedAt: string;
    trustlabVersion: string;
    configDigest: string;
    suites: { id: string; version: string; checks: { id: string; version: string }[] }[];
    policies: { id: string; version: string }[];
    resumed: number;
    environment: Record<string, string>;
  };
  lab: { name: string; accreditation: { body: string; certificate: string; scope: string }; signer: { name: string; role: string } };
  standards: { id: string; edition: string }[];
  devices: DeviceView[];
  evidence?: EvidenceRef[];
  summary: CountsView;
}

/** The report as a typed view; it was validated against its schema when it was built. */
export function reportView(report: unknown, writerId: string): ReportView {
  const r = report as Partial<ReportView> | null;
  if (!r || typeof r !== 'object' || r.schemaVersion !== '1.0.0' || !Array.isArray(r.devices) || !r.run || !r.lab) {
    throw new TrustlabError('TL_WRITER_FAULT', `writer ${writerId}: input is not a trustlab report of schema 1.0.0`);
  }
  return r as ReportView;
}

/** Throw TL_WRITER_FAULT listing what an export's self-check found, so nothing invalid is written. */
export function assertExport(writerId: string, problems: readonly string[]): void {
  if (problems.length > 0) {
    throw new TrustlabError('TL_WRITER_FAULT', `writer ${writerId}: rendered export failed its checks`, { details: problems.slice(0, 20) });
  }
}

// RFC 9562 name-based UUIDs need a namespace: ours is itself the v5 UUID of this URL in the
// RFC's URL namespace, so anyone can recompute every UUID trustlab emits.
const URL_NAMESPACE = '6ba7b811-9dad-11d1-80b4-00c04fd430c8';

function uuidV5(namespace: string, name: string): string {
  const bytes = createHash('sha1').update(Buffer.from(namespace.replace(/-/g, ''), 'hex')).update(name, 'utf8').digest().subarray(0, 16);
  bytes[6] = (bytes[6]! & 0x0f) | 0x50;
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
  const h = bytes.toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

const TRUSTLAB_NAMESPACE = uuidV5(URL_NAMESPACE, 'https://trustlab.dev/ns/uuid');

/** A UUID v5 (RFC 9562) from the run id and an item name: the same report always gets the same UUIDs. */
export function stableUuid(runId: string, ...item: string[]): string {
  return uuidV5(TRUSTLAB_NAMESPACE, [runId, ...item].join('\u0000'));
}

/** The stamp each export carries: `trustlab-<id>-writer/<version>`. */
export function generatorStamp(writerId: string, version: string): string {
  return `trustlab-${writerId}-writer/${version}`;
}

/** The writer id and version stamped in an export's text, if any. */
export function stampIn(text: string): { id: string; version: string } | undefined {
  const m = /trustlab-([a-z0-9-]+?)-writer\/([0-9][0-9A-Za-z.+-]*)/.exec(text);
  return m ? { id: m[1]!, version: m[2]! } : undefined;
}

/** The suite a check belongs to: as the run lists it, else the first segment of its id (the id is its path). */
export function suiteOf(report: ReportView, checkId: string): string {
  return report.run.suites.find((s) => s.checks.some((c) => c.id === checkId))?.id ?? checkId.split('/')[0]!;
}

/** One device x suite with its results, in the run's suite order. */
export interface SuiteGroup {
  device: DeviceView;
  suite: string;
  version: string;
  results: ResultView[];
}

/** Results grouped per device x suite, devices in report order, suites in run order. */
export function groupsOf(report: ReportView): SuiteGroup[] {
  const order = report.run.suites.map((s) => s.id);
  const groups: SuiteGroup[] = [];
  for (const device of report.devices) {
    const bySuite = new Map<string, ResultView[]>();
    for (const r of device.results) {
      const s = suiteOf(report, r.checkId);
      bySuite.set(s, [...(bySuite.get(s) ?? []), r]);
    }
    const suites = [...bySuite.keys()].sort((a, b) => rank(order, a) - rank(order, b) || byCodeUnits(a, b));
    for (const suite of suites) {
      const version = report.run.suites.find((s) => s.id === suite)?.version ?? 'unknown';
      groups.push({ device, suite, version, results: bySuite.get(suite)! });
    }
  }
  return groups;
}

// Never localeCompare: the order must not depend on the locale of the machine that verifies.
function byCodeUnits(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function rank(order: string[], id: string): number {
  const i = order.indexOf(id);
  return i === -1 ? order.length : i;
}

/**
 * A test case's title from the catalogue, but only when the report was judged with the same
 * catalogue version: otherwise re-rendering an older run would not give the signed bytes.
 */
export function testTitle(report: ReportView, testId: string): string | undefined {
  const used = report.run.policies.find((p) => p.id === 'suites/requirements/ctm-test-cases');
  return used?.version === requirementsVersion ? testCaseInfo(testId)?.title : undefined;
}

/** Every test id of the report with its requirement references, sorted. */
export function testCasesOf(report: ReportView): { testId: string; requirements: string[] }[] {
  const byId = new Map<string, Set<string>>();
  for (const d of report.devices) {
    for (const r of d.results) {
      const reqs = byId.get(r.testId) ?? new Set<string>();
      for (const q of r.requirements) reqs.add(q);
      byId.set(r.testId, reqs);
    }
  }
  return [...byId.keys()].sort().map((testId) => ({ testId, requirements: [...byId.get(testId)!] }));
}

/** `tcp/2323 (telnet)`, or `device` when a result has no target. */
export function targetLabel(target: Target | undefined): string {
  if (!target) return 'device';
  return `${target.transport}/${target.port}${target.service ? ` (${target.service})` : ''}`;
}

/** `Acme IoT CamOne`: manufacturer and model, as far as the report has them. */
export function productName(device: DeviceView): string {
  return [device.product.manufacturer, device.product.model].filter(Boolean).join(' ') || device.id;
}

/** Every evidence file the report references, unique by path, sorted. */
export function evidenceOf(report: ReportView): EvidenceRef[] {
  const all = new Map<string, EvidenceRef>();
  for (const e of report.evidence ?? []) all.set(e.path, e);
  for (const d of report.devices) for (const r of d.results) for (const e of r.evidence) all.set(e.path, e);
  return [...all.values()].sort((a, b) => byCodeUnits(a.path, b.path));
}

/**
 * Text made safe for XML 1.0 and HTML: characters XML forbids (C0 controls, lone surrogates,
 * U+FFFE/FFFF) become visible `\u{..}` escapes. Device banners are hostile input.
 */
export function printable(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, (c) => `\\u{${c.charCodeAt(0).toString(16)}}`);
}

/** Escape for XML and HTML text content. */
export function escapeText(text: string): string {
  return printable(text).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Escape for XML and HTML text and double- or single-quoted attribute values. */
export function escapeMarkup(text: string): string {
  return printable(text).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}
