/**
 * The OSCAL writers on the fixture report: the assessment results validate against the
 * official OSCAL 1.2.1 AR and complete schemas, the plan they import against the complete
 * schema; every `#uuid` link and uuid reference resolves; observations, findings, risks and
 * hashed evidence say what the report says; the render is deterministic.
 */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { TrustlabError } from '../../../../harness/errors.ts';
import { jsonWriter } from '../../../../reports/writers/json.ts';
import { oscalWriter } from '../../../../reports/writers/oscal.ts';
import { oscalPlanWriter, oscalReferenceProblems } from '../../../../reports/writers/oscal-plan.ts';
import { EVIDENCE, fixtureReport } from './fixture.ts';
import { errorsOf, oscalSchema, undefinedUuidReferences, unresolvedFragmentLinks } from './validators.ts';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
const render = (w: typeof oscalWriter, report: unknown): Json => JSON.parse(Buffer.from(w.render(report)).toString('utf8')) as Json;

describe('oscal writer (assessment results)', () => {
  const report = fixtureReport();
  const doc = render(oscalWriter, report);
  const ar = doc['assessment-results'];
  const result = ar.results[0];

  it('validates against the official OSCAL 1.2.1 assessment-results and complete schemas', () => {
    for (const file of ['oscal_assessment-results_schema-1.2.1.json', 'oscal_complete_schema-1.2.1.json'] as const) {
      const v = oscalSchema(file);
      expect(v(doc), `${file}: ${errorsOf(v).join('; ')}`).toBe(true);
    }
  });

  it('is rejected by the schema when broken, so the validation can fail', () => {
    const v = oscalSchema('oscal_assessment-results_schema-1.2.1.json');
    const broken = structuredClone(doc);
    broken['assessment-results'].results[0].findings[0].target.status.state = 'passed';
    delete broken['assessment-results'].results[0].observations[0].methods;
    expect(v(broken)).toBe(false);
  });

  it('resolves every #uuid link and uuid reference (the schema does not check them)', () => {
    expect(unresolvedFragmentLinks(doc)).toEqual([]);
    expect(undefinedUuidReferences(doc)).toEqual([]);
    const dangling = structuredClone(doc);
    dangling['assessment-results'].results[0].observations[0]['relevant-evidence'][0].href = '#00000000-0000-4000-8000-000000000000';
    expect(unresolvedFragmentLinks(dangling)).toHaveLength(1);
    expect(oscalReferenceProblems(dangling).join('\n')).toMatch(/names no back-matter resource/);
  });

  it('has one result, one observation per test execution and hashed evidence resources', () => {
    expect(ar.results).toHaveLength(1);
    expect(ar['import-ap']).toEqual({ href: 'oscal-assessment-plan.json' });
    const executions = report.devices.flatMap((d) => d.results);
    expect(result.observations).toHaveLength(executions.length);
    expect(result.observations.every((o: Json) => o.methods[0] === 'TEST')).toBe(true);
    const resources = new Map<string, Json>(ar['back-matter'].resources.map((r: Json) => [r.uuid, r]));
    for (const [file, content] of Object.entries(EVIDENCE)) {
      const res = [...resources.values()].find((r) => r.rlinks[0].href === `../${file}`);
      expect(res, file).toBeDefined();
      expect(res!.rlinks[0].hashes).toEqual([{ algorithm: 'SHA-256', value: createHash('sha256').update(content).digest('hex') }]);
    }
    const reportRes = [...resources.values()].find((r) => r.rlinks[0].href === '../report.json')!;
    expect(reportRes.rlinks[0].hashes[0].value).toBe(createHash('sha256').update(jsonWriter.render(report)).digest('hex'));
    // The failed DP-02 login points at its transcript.
    const dp02 = result.observations.find((o: Json) => o.title.startsWith('CTM-DP-02 on cam'));
    const linked = dp02['relevant-evidence'].map((e: Json) => resources.get(e.href.slice(1))!.rlinks[0].href);
    expect(linked).toContain('../evidence/1b2c3d4e5f607182-cam-telnet-login.txt');
  });

  it('has a finding per test case, device and target, with satisfied / not-satisfied, and a risk per failure', () => {
    const byTitle = new Map<string, Json>(result.findings.map((f: Json) => [f.title, f]));
    expect(result.findings).toHaveLength(9);
    expect(byTitle.get('CTM-PT-01 cam tcp/2323 (telnet): fail')!.target).toMatchObject({ type: 'objective-id', 'target-id': 'ctm-pt-01', status: { state: 'not-satisfied', reason: 'fail' } });
    expect(byTitle.get('CTM-PT-01 cam tcp/22 (ssh): pass')!.target.status).toEqual({ state: 'satisfied', reason: 'pass' });
    expect(byTitle.get('CTM-PT-01 cam device: inconclusive')!.target.status.state).toBe('not-satisfied');
    expect(byTitle.get('CTM-DP-02 plug device: not-applicable')!.target.status.state).toBe('satisfied');
    expect(result.risks).toHaveLength(4);
    const failFinding = byTitle.get('CTM-DP-02 cam tcp/2323 (telnet): fail')!;
    const risk = result.risks.find((r: Json) => r.uuid === failFinding['related-risks'][0]['risk-uuid']);
    expect(risk.status).toBe('open');
    expect(risk.statement).toMatch(/ETSI EN 303 645 5\.1-1/);
    expect(result['reviewed-controls']['control-selections'][0]['include-controls'].map((c: Json) => c['control-id'])).toEqual(['ctm-dp-02', 'ctm-pt-01', 'ctm-pt-04', 'ctm-up-06']);
  });

  it('keeps device text inert in Markdown fields and renders the same bytes for the same report', () => {
    const text = Buffer.from(oscalWriter.render(report)).toString('utf8');
    // A summary quoting device text: Markdown and HTML in it are backslash-escaped.
    expect(text).not.toContain('<b>');
    expect(result.observations.find((o: Json) => o.title === 'CTM-PT-01 on cam tcp/2323 (telnet)').description).toBe('undeclared open service: telnet on tcp/2323 (\\<b\\>BusyBox\\</b\\> \\& co)');
    expect(Buffer.from(oscalWriter.render(fixtureReport())).equals(Buffer.from(oscalWriter.render(report)))).toBe(true);
    const other = fixtureReport();
    other.run.id = 'run-other';
    expect(render(oscalWriter, other)['assessment-results'].uuid).not.toBe(ar.uuid);
    expect(ar.uuid).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });

  it('refuses input that is not a report', () => {
    expect(() => oscalWriter.render({ hello: 'world' })).toThrow(TrustlabError);
  });
});

describe('oscal-ap writer (the assessment plan the results import)', () => {
  const doc = render(oscalPlanWriter, fixtureReport());

  it('validates against the official OSCAL 1.2.1 complete schema and resolves its links', () => {
    const v = oscalSchema('oscal_complete_schema-1.2.1.json');
    expect(v(doc), errorsOf(v).join('; ')).toBe(true);
    expect(unresolvedFragmentLinks(doc)).toEqual([]);
    expect(undefinedUuidReferences(doc)).toEqual([]);
  });

  it('names the devices as subjects, the suites as tasks and the test cases as controls', () => {
    const ap = doc['assessment-plan'];
    expect(ap['assessment-subjects'][0]['include-subjects']).toHaveLength(2);
    expect(ap.tasks.map((t: Json) => t.title)).toEqual(['Suite open-ports 1.0.0', 'Suite default-passwords 0.9.0', 'Suite update-mechanism 0.9.0']);
    expect(ap['import-ssp'].href).toMatch(/^#/);
    expect(ap['local-definitions'].components.map((c: Json) => c.uuid)).toEqual(
      render(oscalWriter, fixtureReport())['assessment-results'].results[0]['local-definitions'].components.map((c: Json) => c.uuid),
    );
  });
});
