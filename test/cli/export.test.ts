/**
 * Black-box, on one loopback `trustlab demo` run (the demo bench on its own addresses): every
 * export is in the bag and a subject of the signed statement; each validates against the
 * official OSCAL, SARIF and JUnit schemas; the HTML report works in Debian's chromium;
 * `trustlab export` re-renders the signed bytes; `trustlab verify` fails an edited export.
 */
import { createHash } from 'node:crypto';
import { cpSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAjv } from '../../harness/config/ajv.ts';
import { chartBars, openBrowser, screenshot, type BrowserSession } from '../unit/reports/writers/browser.ts';
import { errorsOf, junitXsdResults, oscalSchema, sarifSchema, undefinedUuidReferences, unresolvedFragmentLinks } from '../unit/reports/writers/validators.ts';
import { readReport, root, runCli, tempDir } from './helpers.ts';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
const EXPORTS = ['junit.xml', 'oscal-assessment-plan.json', 'oscal-assessment-results.json', 'registry-draft.json', 'report.html', 'report.sarif'];
const sha256 = (bytes: Buffer | string): string => createHash('sha256').update(bytes).digest('hex');
let dir: string;
let runDir: string;
const exported = (name: string): Buffer => readFileSync(path.join(runDir, 'data', 'exports', name));
const json = (name: string): Json => JSON.parse(exported(name).toString('utf8')) as Json;

beforeAll(async () => {
  dir = tempDir('export');
  // The demo bench on addresses no other test uses, so files can run in parallel.
  const config = path.join(dir, 'demo-lab.yaml');
  writeFileSync(config, readFileSync(path.join(root, 'lab-configs', 'demo-lab.yaml'), 'utf8').replace(/127\.77\.0\./g, '127.77.12.'));
  const res = await runCli(['demo', '--no-netns', '--config', config, '--out', path.join(dir, 'runs')], { timeoutMs: 90_000 });
  expect(res.code, res.stderr).toBe(0);
  runDir = path.join(dir, 'runs', readdirSync(path.join(dir, 'runs')).find((d) => d.startsWith('run-'))!);
}, 120_000);

describe('the demo run\'s exports', () => {
  it('are all in the bag, each a subject of the signed statement, and the run verifies', async () => {
    expect(readdirSync(path.join(runDir, 'data', 'exports')).sort()).toEqual(EXPORTS);
    const envelope = JSON.parse(readFileSync(path.join(runDir, 'report.intoto.json'), 'utf8')) as { payload: string };
    const statement = JSON.parse(Buffer.from(envelope.payload, 'base64').toString('utf8')) as { subject: { name: string; digest: { sha256: string } }[] };
    for (const name of EXPORTS) {
      expect(statement.subject.find((s) => s.name === `data/exports/${name}`)?.digest.sha256, name).toBe(sha256(exported(name)));
    }
    const verify = await runCli(['verify', runDir, '--key', path.join(dir, 'runs', 'keys', 'demo-lab.key.pub.pem'), '--json']);
    expect(verify.code, verify.stdout).toBe(0);
    expect(JSON.parse(verify.stdout)).toMatchObject({ ok: true, problems: [] });
  });

  it('OSCAL: results and plan validate against the official 1.2.1 schemas; links and evidence hashes resolve in the bag', () => {
    const ar = json('oscal-assessment-results.json');
    const ap = json('oscal-assessment-plan.json');
    for (const [doc, file] of [[ar, 'oscal_assessment-results_schema-1.2.1.json'], [ar, 'oscal_complete_schema-1.2.1.json'], [ap, 'oscal_complete_schema-1.2.1.json']] as const) {
      const v = oscalSchema(file);
      expect(v(doc), `${file}: ${errorsOf(v).join('; ')}`).toBe(true);
      expect(unresolvedFragmentLinks(doc)).toEqual([]);
      expect(undefinedUuidReferences(doc)).toEqual([]);
    }
    expect(ar['assessment-results']['import-ap'].href).toBe('oscal-assessment-plan.json');
    const exportsDir = path.join(runDir, 'data', 'exports');
    // Every rlink is relative to data/exports/ and its hash is the real file's.
    const resources = [...ar['assessment-results']['back-matter'].resources, ...ap['assessment-plan']['back-matter'].resources] as Json[];
    expect(resources.length).toBeGreaterThanOrEqual(5);
    for (const r of resources) expect(sha256(readFileSync(path.resolve(exportsDir, r.rlinks[0].href))), r.rlinks[0].href).toBe(r.rlinks[0].hashes[0].value);
    const result = ar['assessment-results'].results[0];
    expect(result.observations).toHaveLength(readReport(runDir).summary.total!);
    expect(result.risks).toHaveLength(readReport(runDir).summary.fail!);
  });

  it('SARIF: validates against the official 2.1.0 schema, one result per verdict, fails as errors', () => {
    const log = json('report.sarif');
    const v = sarifSchema();
    expect(v(log), errorsOf(v).join('; ')).toBe(true);
    const results = log.runs[0].results as Json[];
    expect(results).toHaveLength(readReport(runDir).summary.total!);
    const errors = results.filter((r) => r.level === 'error').map((r) => r.locations[0].logicalLocations[0].fullyQualifiedName as string);
    expect(errors).toHaveLength(readReport(runDir).summary.fail!);
    expect(errors).toEqual(expect.arrayContaining(['cam-weak/tcp/1883', 'cam-weak/tcp/2323']));
    expect(errors.filter((n) => n.startsWith('plug-hardened/'))).toEqual([]);
  });

  it('JUnit: valid under both XSDs (xmllint), one testsuite per device x suite', () => {
    const xml = exported('junit.xml').toString('utf8');
    for (const r of junitXsdResults(xml)) expect(r.ok, `${r.xsd}: ${r.output}`).toBe(true);
    const report = readReport(runDir);
    const suites = (report.run.suites as { id: string }[]).map((s) => s.id);
    const expected = report.devices.flatMap((d) => suites.map((s) => `${d.id}/${s}`));
    expect([...xml.matchAll(/<testsuite name="([^"]+)"/g)].map((m) => m[1]).sort()).toEqual(expected.sort());
    expect((xml.match(/<failure /g) ?? []).length).toBe(report.summary.fail);
  });

  it('registry draft: valid against its schema, the weak camera\'s undeclared services flagged (CTM-DOC-02)', () => {
    const draft = json('registry-draft.json');
    const schema = JSON.parse(readFileSync(path.join(root, 'reports', 'writers', 'registry-draft.schema.json'), 'utf8')) as object;
    const validate = createAjv({ allErrors: true, strict: false }).compile(schema);
    expect(validate(draft), JSON.stringify(validate.errors)).toBe(true);
    const cam = (draft.products as Json[]).find((p) => p.deviceId === 'cam-weak')!;
    const secure = (cam.fields as Json[]).find((f) => f.name === 'secureConfiguration')!;
    expect(secure.status).toBe('contradicted');
    // Field 7 bears on CTM-PT-01, CTM-PT-04 and CTM-EN-03: every such failure contradicts it.
    const bearing = readReport(runDir).devices.find((d) => d.id === 'cam-weak')!.results.filter((r) => r.status === 'fail' && ['CTM-PT-01', 'CTM-PT-04', 'CTM-EN-03'].includes(r.testId));
    expect(secure.contradictedBy).toHaveLength(bearing.length);
    expect(bearing.length).toBeGreaterThanOrEqual(3);
    expect((cam.fields as Json[]).find((f) => f.name === 'supportEndDate')).toMatchObject({ value: '2027-12-31', status: 'provided' });
  });
});

describe('the demo run\'s HTML report in chromium', () => {
  let browser: BrowserSession;
  beforeAll(async () => {
    browser = await openBrowser();
  }, 30_000);
  afterAll(async () => {
    await browser?.close();
  });

  it('renders offline, draws the chart, and opens a failure\'s evidence inside the bag', async () => {
    const page = await browser.newPage();
    await page.goto(pathToFileURL(path.join(runDir, 'data', 'exports', 'report.html')).href);
    await expect(page.locator('h1').textContent()).resolves.toBe('Cyber Trust Mark test report');
    const bars = await chartBars(page);
    expect(bars.reduce((n, b) => n + b.count, 0)).toBe(readReport(runDir).summary.total);
    for (const b of bars) expect(b.width * b.height).toBeGreaterThan(0);
    // Seven TCP services (ssh, telnet, http, https, mqtt, ftp, rtsp) and CoAP on udp/5683 (the
    // open-ports suite probes the UDP list too).
    expect(await page.locator('table.ports[data-device="cam-weak"] tbody tr').count()).toBe(8);
    expect(await page.locator('article.failure').count()).toBe(readReport(runDir).summary.fail);
    await screenshot(page, 'html-report-demo.png');
    const link = page.locator('article.failure a.evidence').first();
    const href = (await link.getAttribute('href'))!;
    await Promise.all([page.waitForURL(/\/data\/evidence\/[^/]+\.json$/), link.click()]);
    expect(JSON.parse(await page.locator('body').innerText())).toEqual(JSON.parse(readFileSync(path.join(runDir, 'data', 'exports', href), 'utf8')));
    await screenshot(page, 'html-report-demo-evidence.png');
    expect(browser.blocked).toEqual([]);
    expect(browser.requests.every((u) => u.startsWith('file://'))).toBe(true);
  }, 30_000);
});

describe('trustlab export', () => {
  it('re-renders each format byte for byte as signed in the bag; oscal writes the plan beside it', async () => {
    const out = path.join(dir, 'exported');
    const formats: [string, string][] = [['oscal', 'oscal-assessment-results.json'], ['sarif', 'report.sarif'], ['junit', 'junit.xml'], ['html', 'report.html'], ['registry', 'registry-draft.json']];
    const runs = await Promise.all(formats.map(([f]) => runCli(['export', runDir, '--format', f, '--out', path.join(out, `${f}.out`)])));
    runs.forEach((r, i) => expect(r.code, `${formats[i]![0]}: ${r.stderr}`).toBe(0));
    for (const [f, file] of formats) expect(sha256(readFileSync(path.join(out, `${f}.out`))), f).toBe(sha256(exported(file)));
    expect(sha256(readFileSync(path.join(out, 'oscal-assessment-plan.json')))).toBe(sha256(exported('oscal-assessment-plan.json')));
    const stdout = await runCli(['export', runDir, '--format', 'registry']);
    expect(stdout.stdout).toBe(exported('registry-draft.json').toString('utf8'));
  });

  it('refuses a missing or unknown format and a run without a valid report (exit 3)', async () => {
    const broken = path.join(dir, 'broken-run');
    cpSync(runDir, broken, { recursive: true });
    writeFileSync(path.join(broken, 'data', 'report.json'), JSON.stringify({ ...readReport(runDir), schemaVersion: '9' }));
    const [none, unknown, invalid] = await Promise.all([
      runCli(['export', runDir]), runCli(['export', runDir, '--format', 'pdf']), runCli(['export', broken, '--format', 'sarif']),
    ]);
    expect([none.code, unknown.code, invalid.code]).toEqual([3, 3, 3]);
    expect(unknown.stderr).toMatch(/unknown --format "pdf"; one of oscal, oscal-ap, sarif, junit, html, registry/);
    expect(invalid.stderr).toMatch(/TL_RUN_DIR: .*report\.json: is not a valid trustlab report/);
  });

  it('verify fails a run whose export was edited, naming the export as not matching the report', async () => {
    const edited = path.join(dir, 'edited-run');
    cpSync(runDir, edited, { recursive: true });
    const file = path.join(edited, 'data', 'exports', 'junit.xml');
    const original = readFileSync(file, 'utf8');
    writeFileSync(file, original.replace(/failures="[1-9]"/, 'failures="0"'));
    expect(readFileSync(file, 'utf8')).not.toBe(original);
    const res = await runCli(['verify', edited]);
    expect(res.code).toBe(5);
    expect(res.stderr).toContain('data/exports/junit.xml: sha256 mismatch');
    expect(res.stderr).toMatch(/data\/exports\/junit\.xml: does not match data\/report\.json/);
  });
});
