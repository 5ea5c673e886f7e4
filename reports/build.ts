/**
 * Build the report from the journal's state: the lab, the standards, each device with its
 * declaration, what discovery found and every verdict, and the counts. Validated against the
 * versioned report schema before anything is written. Lab credentials are never copied in.
 */
import { readFileSync } from 'node:fs';
import { createAjv } from '../harness/config/ajv.ts';
import { TrustlabError } from '../harness/errors.ts';
import type { DeviceConfig, EvidenceRef, Finding, LabConfig, Verdict } from '../harness/model.ts';
import type { JournalState } from '../harness/journal/journal.ts';

export const REPORT_SCHEMA_VERSION = '1.0.0';
const schema = JSON.parse(readFileSync(new URL('./schema/report.schema.json', import.meta.url), 'utf8')) as object;
const ajv = createAjv({ allErrors: true, strict: false });
const validateReport = ajv.compile(schema);

export type Counts = Record<Verdict, number> & { total: number };

/** Count verdicts. */
export function countVerdicts(findings: readonly Pick<Finding, 'status'>[]): Counts {
  const c: Counts = { pass: 0, fail: 0, inconclusive: 0, 'not-applicable': 0, total: 0 };
  for (const f of findings) {
    c[f.status]++;
    c.total++;
  }
  return c;
}

export interface BuildInput {
  state: JournalState;
  config: Readonly<LabConfig>;
  suites: { id: string; version: string; checks: { id: string; version: string }[] }[];
  policies: { id: string; version: string }[];
  environment: { node: string; platform: string; namespace?: string; tcpPortsOverride?: string };
  endedAt: string;
}

/** The declaration as reported: everything the manufacturer declared, no lab secrets. */
function publicDeclaration(d: Readonly<DeviceConfig>): Record<string, unknown> {
  return JSON.parse(JSON.stringify(d.declared)) as Record<string, unknown>;
}

/** Build and validate the report object. */
export function buildReport(input: BuildInput): Record<string, unknown> {
  const { state, config } = input;
  const devices = config.devices.map((d) => {
    const results = state.findings.filter((f) => f.deviceId === d.id).map(({ deviceId: _omit, ...rest }) => rest);
    const discovery = state.discoveries.get(d.id);
    return {
      id: d.id,
      address: d.address,
      product: { ...d.product },
      declared: publicDeclaration(d),
      ...(d.samples ? { samples: d.samples.map((s) => ({ ...s })) } : {}),
      discovered: { services: discovery?.services ?? [], ...(discovery ? { scanned: discovery.scanned } : {}) },
      results,
      summary: countVerdicts(results),
    };
  });
  const uniqueEvidence = new Map<string, EvidenceRef>();
  for (const f of state.findings) for (const e of f.evidence) uniqueEvidence.set(e.path, e);
  const report = {
    schemaVersion: REPORT_SCHEMA_VERSION,
    run: {
      id: state.start.runId,
      startedAt: state.start.startedAt,
      endedAt: input.endedAt,
      status: 'completed',
      trustlabVersion: state.start.trustlabVersion,
      configDigest: state.start.configDigest,
      suites: input.suites,
      policies: input.policies,
      resumed: state.resumes,
      interruptions: state.interrupted,
      environment: input.environment,
    },
    lab: { name: config.lab.name, accreditation: { ...config.lab.accreditation }, signer: { ...config.lab.signer } },
    standards: config.standards.map((s) => ({ ...s })),
    devices,
    evidence: [...uniqueEvidence.values()].sort((a, b) => a.path.localeCompare(b.path)),
    summary: countVerdicts(state.findings),
  };
  if (!validateReport(report)) {
    const details = (validateReport.errors ?? []).map((e) => `${e.instancePath || '(root)'} ${e.message ?? ''}`);
    throw new TrustlabError('TL_REPORT_INVALID', `report failed schema ${REPORT_SCHEMA_VERSION}`, { details });
  }
  return report;
}
