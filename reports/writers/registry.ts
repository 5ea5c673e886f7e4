/**
 * The registry data draft (CTM-DOC-02): per product, the fields the 47 CFR 8.222 registry
 * shows behind the label's QR code, filled from the manufacturer's declaration and the lab,
 * each flagged where the run's results contradict it. Nothing is invented: a field without
 * data says "not provided"; the authorization date and certification body are left to the
 * administrator.
 */
import { readFileSync } from 'node:fs';
import { createAjv } from '../../harness/config/ajv.ts';
import { WRITER_API_VERSION, type WriterPlugin } from '../../harness/plugins/types.ts';
import { assertExport, generatorStamp, productName, reportView, targetLabel, type DeviceView, type ReportView, type ResultView } from './view.ts';

const ID = 'registry';
// 1.1.0: fields 6, 7, 8 and 10 filled from declared.registry; missing instructions are "not provided".
const VERSION = '1.1.0';
/** What a field says when neither the declaration nor the lab supplies it. */
export const NOT_PROVIDED = 'not provided';

const schema = JSON.parse(readFileSync(new URL('./registry-draft.schema.json', import.meta.url), 'utf8')) as object;
const validateDraft = createAjv({ allErrors: true, strict: true }).compile(schema);

type Status = 'provided' | 'not provided' | 'contradicted' | 'set by the administrator';

/** One registry field of the draft. */
export interface RegistryField {
  field: number;
  name: string;
  label: string;
  value: string;
  source: string;
  status: Status;
  /** Executions of the test cases that bear on this field, with their verdicts. */
  checkedBy: string[];
  /** The failures that contradict the value. */
  contradictedBy: string[];
}

const ref = (r: ResultView): string => `${r.testId} ${r.status} on ${targetLabel(r.target)}: ${r.summary}`;

function field(n: number, name: string, label: string, value: string | undefined, source: string, bearing: readonly ResultView[], contradicts: (r: ResultView) => boolean, extra: string[] = []): RegistryField {
  const contradictedBy = [...bearing.filter((r) => r.status === 'fail' && contradicts(r)).map(ref), ...extra];
  const status: Status = contradictedBy.length > 0 ? 'contradicted' : value === undefined ? NOT_PROVIDED : 'provided';
  return { field: n, name, label, value: value ?? NOT_PROVIDED, source: value === undefined ? 'none' : source, status, checkedBy: bearing.map(ref), contradictedBy };
}

function administered(n: number, name: string, label: string): RegistryField {
  return { field: n, name, label, value: NOT_PROVIDED, source: 'the label administrator sets it at authorization', status: 'set by the administrator', checkedBy: [], contradictedBy: [] };
}

const PASSWORDS: Record<string, string> = {
  'unique-per-device': 'each unit has a unique pre-installed password (declared)',
  'user-defined-at-setup': 'the user sets the password at first setup; there is no default password (declared)',
  none: 'no password-based authentication (declared)',
};

/** The ten 8.222 fields for one device, in the order the registry lists them. */
export function registryFields(report: ReportView, d: DeviceView): RegistryField[] {
  const of = (...ids: string[]): ResultView[] => d.results.filter((r) => ids.includes(r.testId));
  const declared = d.declared;
  const automatic = declared.updates?.automatic;
  const reg = declared.registry ?? {};
  const bom = reg.sbom === undefined && reg.hbom === undefined ? undefined
    : `SBOM ${reg.sbom === undefined ? NOT_PROVIDED : reg.sbom ? 'kept' : 'not kept'}; HBOM ${reg.hbom === undefined ? NOT_PROVIDED : reg.hbom ? 'kept' : 'not kept'} (declared)`;
  const endDate = declared.supportEndDate;
  // A support period that ended before the tests started contradicts itself, whatever the tests say.
  const ended = endDate !== undefined && endDate < report.run.startedAt.slice(0, 10) ? [`support end date ${endDate} is before the test date ${report.run.startedAt.slice(0, 10)}`] : [];
  const product = [d.product.model, d.product.hardwareVersion && `hardware ${d.product.hardwareVersion}`, d.product.firmwareVersion && `firmware ${d.product.firmwareVersion}`].filter(Boolean).join(', ');
  return [
    field(1, 'product', 'Product name', product || undefined, 'lab config: devices[].product', of('CTM-OT-04'), () => true),
    field(2, 'manufacturer', 'Manufacturer name', d.product.manufacturer, 'lab config: devices[].product.manufacturer', [], () => false),
    administered(3, 'authorizationDate', 'Date the product was authorized to bear the label'),
    administered(4, 'certificationBody', 'Certification body (label administrator)'),
    field(5, 'testingLab', 'Name of the testing lab (CyberLAB)', `${report.lab.name} (${report.lab.accreditation.body}, certificate ${report.lab.accreditation.certificate})`, 'report: lab', [], () => false),
    // Unique pre-installed passwords still need instructions to change them; without them the field is missing.
    field(6, 'defaultPassword', 'How to change the default password',
      declared.passwords === undefined || (declared.passwords === 'unique-per-device' && !reg.passwordChangeInstructions) ? undefined
        : `${PASSWORDS[declared.passwords] ?? declared.passwords}${reg.passwordChangeInstructions ? `; instructions: ${reg.passwordChangeInstructions}` : ''}`,
      'declaration: passwords, registry.passwordChangeInstructions', of('CTM-DP-01', 'CTM-DP-02', 'CTM-DP-03'), () => true),
    field(7, 'secureConfiguration', 'How to configure the device securely', reg.secureConfiguration, 'declaration: registry.secureConfiguration', of('CTM-PT-01', 'CTM-PT-04', 'CTM-EN-03'), () => true),
    field(8, 'automaticUpdates', 'Whether updates are automatic, and how to get them if not', automatic === undefined || (!automatic && !reg.updateInstructions) ? undefined : automatic ? 'updates are automatic (declared)' : `updates are not automatic (declared); how to get them: ${reg.updateInstructions}`,
      'declaration: updates.automatic', of('CTM-UP-05', 'CTM-UP-06'), (r) => r.testId === 'CTM-UP-06' || automatic === true),
    field(9, 'supportEndDate', 'End date of the minimum support period', endDate, 'declaration: supportEndDate', of('CTM-UP-06'), () => true, ended),
    field(10, 'sbomHbom', 'Whether the manufacturer keeps an SBOM and/or HBOM', bom, 'declaration: registry.sbom, registry.hbom', [], () => false),
  ];
}

/** The draft document for every device of the report. */
export function registryDraft(report: ReportView): Record<string, unknown> {
  return {
    generator: generatorStamp(ID, VERSION),
    title: '47 CFR 8.222 registry data: draft for the manufacturer (CTM-DOC-02)',
    runId: report.run.id,
    renderedFrom: 'data/report.json',
    note: `Filled from the manufacturer's declaration and the lab; "${NOT_PROVIDED}" marks data the manufacturer must still supply. Fields 3 and 4 are set by the label administrator.`,
    products: report.devices.map((d) => {
      const fields = registryFields(report, d);
      // Only what the manufacturer supplies counts towards CTM-DOC-02; 3 and 4 are the administrator's.
      const flags = fields.filter((f) => f.status === 'contradicted' || f.status === NOT_PROVIDED)
        .map((f) => `field ${f.field} (${f.name}) ${f.status}${f.contradictedBy.length > 0 ? `: ${f.contradictedBy.join(' | ')}` : ''}`);
      return {
        deviceId: d.id,
        product: productName(d),
        ...(d.product.serial ? { serial: d.product.serial } : {}),
        fields,
        'CTM-DOC-02': { status: flags.length > 0 ? 'fail' : 'pass', flags },
      };
    }),
  };
}

/** 47 CFR 8.222 registry data draft (data/exports/registry-draft.json). */
export const registryWriter: WriterPlugin = {
  apiVersion: WRITER_API_VERSION,
  id: ID,
  version: VERSION,
  title: '47 CFR 8.222 registry data draft (CTM-DOC-02)',
  mediaType: 'application/json',
  fileName: 'registry-draft.json',
  render(report) {
    const draft = registryDraft(reportView(report, ID));
    if (!validateDraft(draft)) assertExport(ID, (validateDraft.errors ?? []).map((e) => `${e.instancePath || '(root)'} ${e.message ?? ''}`));
    return Buffer.from(`${JSON.stringify(draft, null, 2)}\n`, 'utf8');
  },
};
