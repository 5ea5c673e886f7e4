/**
 * The minimal OSCAL assessment plan the assessment results import (the devices as subjects,
 * the test cases as reviewed controls, the suites as tasks), and what the results share with
 * it: metadata with the lab and signer as parties, the devices as components, back-matter
 * resources with SHA-256 hashes, and the reference check the JSON Schema cannot do.
 */
import { createHash } from 'node:crypto';
import { WRITER_API_VERSION, type WriterPlugin } from '../../harness/plugins/types.ts';
import { jsonWriter } from './json.ts';
import { assertExport, generatorStamp, productName, reportView, stableUuid, testCasesOf, type DeviceView, type ReportView } from './view.ts';

/** The OSCAL version the documents are written against (validated with its 1.2.1 schemas). */
export const OSCAL_VERSION = '1.2.1';
/** Namespace of trustlab's own OSCAL property names. */
export const TRUSTLAB_NS = 'https://trustlab.dev/ns/oscal';
/** The results' file name inside data/exports/. */
export const OSCAL_AR_FILE = 'oscal-assessment-results.json';
/** The plan's file name: the results import it by this relative href, so the two stay side by side. */
export const OSCAL_AP_FILE = 'oscal-assessment-plan.json';

type Json = Record<string, unknown>;

/** A CTM test id as an OSCAL control id (a token): `CTM-PT-01` -> `ctm-pt-01`. */
export function controlId(testId: string): string {
  return testId.toLowerCase();
}

/**
 * Text for OSCAL Markdown fields: one line, and the characters that would make Markdown
 * links, HTML or emphasis backslash-escaped (device-supplied text must stay inert).
 */
export function mdLine(text: string): string {
  const line = text.replace(/\s+/g, ' ').trim() || '(none)';
  return line.replace(/[\\`*_[\]<>&!|#~]/g, (c) => `\\${c}`);
}

/** A value for an OSCAL string property: non-empty, one line, no outer whitespace. */
export function propValue(text: string): string {
  return text.replace(/\s+/g, ' ').trim() || '(none)';
}

/** A trustlab property. */
export function prop(name: string, value: string): Json {
  return { name, ns: TRUSTLAB_NS, value: propValue(value) };
}

/** Metadata with the generator stamp first among the props, the lab and the signer as parties. */
export function oscalMetadata(report: ReportView, title: string, stamp: string): Json {
  const { run, lab } = report;
  return {
    title: mdLine(title),
    'last-modified': run.endedAt,
    version: run.id,
    'oscal-version': OSCAL_VERSION,
    props: [prop('generator', stamp), prop('trustlab-version', run.trustlabVersion), prop('run-id', run.id), prop('config-sha256', run.configDigest)],
    roles: [{ id: 'assessor', title: 'Assessor' }],
    parties: [
      {
        uuid: stableUuid(run.id, 'party', 'lab'),
        type: 'organization',
        name: propValue(lab.name),
        props: [prop('accreditation-body', lab.accreditation.body), prop('accreditation-certificate', lab.accreditation.certificate), prop('accreditation-scope', lab.accreditation.scope)],
      },
      { uuid: stableUuid(run.id, 'party', 'signer'), type: 'person', name: propValue(lab.signer.name), props: [prop('signer-role', lab.signer.role)] },
    ],
    'responsible-parties': [{ 'role-id': 'assessor', 'party-uuids': [stableUuid(run.id, 'party', 'lab'), stableUuid(run.id, 'party', 'signer')] }],
  };
}

/** The device's component UUID. */
export function componentUuid(report: ReportView, device: DeviceView): string {
  return stableUuid(report.run.id, 'component', device.id);
}

/** Each device under test as a hardware component, with its identity as properties. */
export function deviceComponents(report: ReportView): Json[] {
  return report.devices.map((d) => {
    const p = d.product;
    const props = [prop('device-id', d.id), prop('address', d.address)];
    for (const [name, value] of [['manufacturer', p.manufacturer], ['model', p.model], ['hardware-version', p.hardwareVersion], ['firmware-version', p.firmwareVersion], ['serial', p.serial]] as const) {
      if (value) props.push(prop(name, value));
    }
    return {
      uuid: componentUuid(report, d),
      type: 'hardware',
      title: mdLine(`${productName(d)} (${d.id})`),
      description: mdLine(`Device under test ${d.id} at ${d.address}, firmware ${p.firmwareVersion ?? 'not declared'}.`),
      props,
      status: { state: 'operational' },
    };
  });
}

/** The reviewed controls: every test case the run judged. */
export function reviewedControls(testIds: readonly string[]): Json {
  return {
    description: 'Cyber Trust Mark test cases judged in this run (trustlab test catalogue).',
    'control-selections': [{ 'include-controls': testIds.map((t) => ({ 'control-id': controlId(t) })) }],
  };
}

/** UUID of the back-matter resource for data/report.json. */
export function reportResourceUuid(report: ReportView): string {
  return stableUuid(report.run.id, 'resource', 'report.json');
}

/** UUID of the back-matter resource for one evidence file. */
export function evidenceResourceUuid(report: ReportView, evidencePath: string): string {
  return stableUuid(report.run.id, 'resource', evidencePath);
}

/** data/report.json as a resource; its hash is over the exact bytes the json writer renders. */
export function reportResource(report: ReportView, description: string): Json {
  const sha256 = createHash('sha256').update(jsonWriter.render(report)).digest('hex');
  return {
    uuid: reportResourceUuid(report),
    title: 'trustlab report (data/report.json)',
    description: mdLine(description),
    rlinks: [{ href: '../report.json', 'media-type': 'application/json', hashes: [{ algorithm: 'SHA-256', value: sha256 }] }],
  };
}

const UUID_V4_V5 = /^[0-9a-f]{8}-[0-9a-f]{4}-[45][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const REFERENCE_KEYS = new Set(['observation-uuid', 'risk-uuid', 'subject-uuid', 'party-uuids']);

/**
 * What the JSON Schema does not check: UUIDs well-formed (v4/v5) and unique, every `#uuid`
 * href naming a back-matter resource, every uuid reference naming something defined.
 */
export function oscalReferenceProblems(doc: unknown): string[] {
  const defined = new Map<string, string>();
  const resources = new Set<string>();
  const hrefs: { at: string; uuid: string }[] = [];
  const refs: { at: string; uuid: string }[] = [];
  const problems: string[] = [];
  const walk = (node: unknown, at: string): void => {
    if (Array.isArray(node)) return node.forEach((n, i) => walk(n, `${at}[${i}]`));
    if (!node || typeof node !== 'object') return;
    for (const [k, v] of Object.entries(node as Json)) {
      const here = `${at}.${k}`;
      if (k === 'uuid' && typeof v === 'string') {
        if (!UUID_V4_V5.test(v)) problems.push(`${here}: ${v} is not a v4 or v5 UUID`);
        if (defined.has(v)) problems.push(`${here}: uuid ${v} already used at ${defined.get(v)}`);
        defined.set(v, here);
        if (/\.back-matter\.resources\[\d+\]$/.test(at)) resources.add(v);
      } else if (k === 'href' && typeof v === 'string' && v.startsWith('#')) hrefs.push({ at: here, uuid: v.slice(1) });
      else if (REFERENCE_KEYS.has(k)) for (const u of Array.isArray(v) ? v : [v]) refs.push({ at: here, uuid: String(u) });
      walk(v, here);
    }
  };
  walk(doc, '$');
  for (const h of hrefs) if (!resources.has(h.uuid)) problems.push(`${h.at}: #${h.uuid} names no back-matter resource`);
  for (const r of refs) if (!defined.has(r.uuid)) problems.push(`${r.at}: ${r.uuid} is not defined in the document`);
  return problems;
}
const PLAN_ID = 'oscal-ap';
const PLAN_VERSION = '1.0.0';

// A consumer IoT product has no system security plan: import-ssp names the report that describes the devices.
/** The assessment-plan document (an object, validated by its reference check). */
export function assessmentPlan(report: ReportView): Json {
  const { run } = report;
  const tasks = run.suites.map((s) => ({
    uuid: stableUuid(run.id, 'task', s.id),
    type: 'action',
    title: mdLine(`Suite ${s.id} ${s.version}`),
    description: mdLine(`Run the checks ${s.checks.map((c) => `${c.id} ${c.version}`).join(', ') || '(none)'} on every device under test.`),
    props: [prop('suite', s.id), prop('suite-version', s.version)],
  }));
  return {
    'assessment-plan': {
      uuid: stableUuid(run.id, 'assessment-plan'),
      metadata: oscalMetadata(report, `trustlab assessment plan, run ${run.id}`, generatorStamp(PLAN_ID, PLAN_VERSION)),
      'import-ssp': { href: `#${reportResourceUuid(report)}` },
      'local-definitions': { components: deviceComponents(report) },
      'reviewed-controls': reviewedControls(testCasesOf(report).map((t) => t.testId)),
      ...(report.devices.length > 0
        ? {
            'assessment-subjects': [{
              type: 'component',
              description: 'The devices on the lab bench, as the lab configuration declares them.',
              'include-subjects': report.devices.map((d) => ({ 'subject-uuid': componentUuid(report, d), type: 'component' })),
            }],
          }
        : {}),
      ...(tasks.length > 0 ? { tasks } : {}),
      'back-matter': {
        resources: [reportResource(report, 'Describes the devices under test and the manufacturer declarations they were judged against; it stands in for a system security plan.')],
      },
    },
  };
}

/** The OSCAL 1.2.1 assessment plan the results import (data/exports/oscal-assessment-plan.json). */
export const oscalPlanWriter: WriterPlugin = {
  apiVersion: WRITER_API_VERSION,
  id: PLAN_ID,
  version: PLAN_VERSION,
  title: 'OSCAL assessment plan (imported by the assessment results)',
  mediaType: 'application/json',
  fileName: OSCAL_AP_FILE,
  render(report) {
    const doc = assessmentPlan(reportView(report, PLAN_ID));
    assertExport(PLAN_ID, oscalReferenceProblems(doc));
    return Buffer.from(`${JSON.stringify(doc, null, 2)}\n`, 'utf8');
  },
};
