/**
 * `verifyRun` checks that the exports in a bag match the report they came from: a bag sealed
 * with every built-in export verifies and names each as matched; an export edited before
 * sealing (so signature and manifests are consistent) fails, naming the file; an export
 * stamped by another writer version, or one no built-in writer makes, is only noted.
 */
import { generateKeyPairSync } from 'node:crypto';
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAjv } from '../../../../harness/config/ajv.ts';
import { sealRun, verifyRun } from '../../../../reports/signed-run.ts';
import { checkExports } from '../../../../reports/writers/check-exports.ts';
import { builtinWriters } from '../../../../reports/writers/index.ts';
import { jsonWriter } from '../../../../reports/writers/json.ts';
import { EVIDENCE, fixtureReport } from './fixture.ts';

const lab = generateKeyPairSync('ed25519');
let root: string;
let bag: string;
const EXPORTS = ['junit.xml', 'oscal-assessment-plan.json', 'oscal-assessment-results.json', 'registry-draft.json', 'report.html', 'report.sarif'];

const seal = (dir: string) => sealRun(dir, { privateKey: lab.privateKey, bagInfo: { 'External-Identifier': 'fixture' }, predicate: { runId: 'fixture' } });

/** A copy of the sealed bag with one export rewritten, then sealed again (the lab signs what it has). */
async function resealedWith(name: string, file: string, edit: (text: string) => string): Promise<string> {
  const dir = join(root, name);
  await cp(bag, dir, { recursive: true });
  const target = join(dir, 'data', 'exports', file);
  await writeFile(target, edit(await readFile(target, 'utf8').catch(() => '')));
  await seal(dir);
  return dir;
}

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'trustlab-exports-'));
  bag = join(root, 'bag');
  const report = fixtureReport();
  await mkdir(join(bag, 'data', 'exports'), { recursive: true });
  await writeFile(join(bag, 'data', 'report.json'), jsonWriter.render(report));
  for (const [p, content] of Object.entries(EVIDENCE)) {
    await mkdir(dirname(join(bag, 'data', p)), { recursive: true });
    await writeFile(join(bag, 'data', p), content);
  }
  // As finalize does: every writer but json renders into data/exports/.
  for (const w of builtinWriters.filter((x) => x.id !== 'json')) await writeFile(join(bag, 'data', 'exports', w.fileName), w.render(report));
  await seal(bag);
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('exports match the report', () => {
  it('the fixture report is a valid report (schema 1.0.0)', async () => {
    const schema = JSON.parse(await readFile(new URL('../../../../reports/schema/report.schema.json', import.meta.url), 'utf8')) as object;
    const validate = createAjv({ allErrors: true, strict: false }).compile(schema);
    expect(validate(fixtureReport()), JSON.stringify(validate.errors)).toBe(true);
  });

  it('verifies a bag whose exports are the writers\' renders of its report, and signs each', async () => {
    const result = await verifyRun(bag);
    expect(result.problems).toEqual([]);
    expect(result.ok).toBe(true);
    expect(result.exportsMatched).toEqual(EXPORTS.map((f) => `data/exports/${f}`));
    expect(result.notes).toEqual([]);
    expect(result.statement!.subject.map((s) => s.name).filter((n) => n.startsWith('data/exports/'))).toEqual(EXPORTS.map((f) => `data/exports/${f}`));
  });

  it('fails an export changed before signing, naming it and where it differs', async () => {
    const dir = await resealedWith('edited', 'report.html', (t) => t.replace('default credentials admin/admin accepted', 'no default credentials accepted'));
    const result = await verifyRun(dir);
    expect(result.ok).toBe(false);
    expect(result.problems).toEqual([expect.stringMatching(/^data\/exports\/report\.html: does not match data\/report\.json \(the html writer 1\.0\.0 renders other bytes from it, first difference at byte \d+\)$/)]);
  });

  it('fails an export that cannot have come from this report, e.g. a registry draft from another run', async () => {
    const dir = await resealedWith('swapped', 'registry-draft.json', (t) => t.replace(/run-20260110T093000Z-f1x7re/g, 'run-20250101T000000Z-000000'));
    expect((await verifyRun(dir)).problems.join('\n')).toMatch(/^data\/exports\/registry-draft\.json: does not match data\/report\.json/);
  });

  it('notes, without failing, an export stamped by another version of its writer', async () => {
    const dir = await resealedWith('older', 'report.sarif', (t) => t.replace('trustlab-sarif-writer/1.0.0', 'trustlab-sarif-writer/0.9.0').replace('"kind": "pass"', '"kind": "informational"'));
    const result = await verifyRun(dir);
    expect(result.ok, result.problems.join('\n')).toBe(true);
    expect(result.notes).toEqual(['data/exports/report.sarif: rendered by the sarif writer 0.9.0, this trustlab has 1.0.0; not compared with the report']);
  });

  it('notes an export no built-in writer makes (a plugin\'s), which only the signature covers', async () => {
    const dir = await resealedWith('plugin', 'counts.csv', () => 'device,fail\ncam,4\n');
    const result = await verifyRun(dir);
    expect(result.ok).toBe(true);
    expect(result.notes).toEqual(['data/exports/counts.csv: no built-in writer renders it; it is covered by the signature only']);
  });

  it('reports an unreadable report instead of skipping the exports', async () => {
    const dir = join(root, 'no-report');
    await cp(bag, dir, { recursive: true });
    await writeFile(join(dir, 'data', 'report.json'), '{ not json');
    const check = await checkExports(dir);
    expect(check.matched).toEqual([]);
    expect(check.problems).toEqual([expect.stringMatching(/^data\/report\.json: cannot be read to re-render the exports/)]);
  });
});
