/**
 * The minimal OSCAL assessment plan the assessment results import: the devices under test as
 * subjects, the test cases as reviewed controls, the suites as tasks. A consumer IoT product
 * has no system security plan, so import-ssp names the report that describes the devices.
 */
import { WRITER_API_VERSION, type WriterPlugin } from '../../harness/plugins/types.ts';
import {
  componentUuid, deviceComponents, mdLine, OSCAL_AP_FILE, oscalMetadata, oscalReferenceProblems, prop, reportResource,
  reportResourceUuid, reviewedControls,
} from './oscal-common.ts';
import { assertExport, generatorStamp, reportView, stableUuid, testCasesOf, type ReportView } from './view.ts';

type Json = Record<string, unknown>;
const ID = 'oscal-ap';
const VERSION = '1.0.0';

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
      metadata: oscalMetadata(report, `trustlab assessment plan, run ${run.id}`, generatorStamp(ID, VERSION)),
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
  id: ID,
  version: VERSION,
  title: 'OSCAL assessment plan (imported by the assessment results)',
  mediaType: 'application/json',
  fileName: OSCAL_AP_FILE,
  render(report) {
    const doc = assessmentPlan(reportView(report, ID));
    assertExport(ID, oscalReferenceProblems(doc));
    return Buffer.from(`${JSON.stringify(doc, null, 2)}\n`, 'utf8');
  },
};
