/**
 * The SARIF writer on the fixture report: valid against the official SARIF 2.1.0 schema
 * (draft-04, ajv-draft-04); one run whose rules are the test cases with their requirement
 * references; a result per verdict with the kind/level pairs SARIF allows; logical locations
 * naming device and port; evidence as hashed artifacts.
 */
import { describe, expect, it } from 'vitest';
import { sarifIndexProblems, sarifWriter } from '../../../../reports/writers/sarif.ts';
import { fixtureReport } from './fixture.ts';
import { errorsOf, sarifSchema } from './validators.ts';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

describe('sarif writer', () => {
  const report = fixtureReport();
  const log = JSON.parse(Buffer.from(sarifWriter.render(report)).toString('utf8')) as Json;
  const run = log.runs[0];

  it('validates against the official SARIF 2.1.0 schema, and the schema rejects a broken log', () => {
    const v = sarifSchema();
    expect(v(log), errorsOf(v).join('; ')).toBe(true);
    const broken = structuredClone(log);
    broken.runs[0].results[0].kind = 'failed';
    broken.runs[0].results[1].level = 'fatal';
    expect(v(broken)).toBe(false);
  });

  it('has one run whose rules are the test cases with their requirement references', () => {
    expect(log.version).toBe('2.1.0');
    expect(log.runs).toHaveLength(1);
    const rules = run.tool.driver.rules as Json[];
    expect(rules.map((r) => r.id)).toEqual(['CTM-DP-02', 'CTM-PT-01', 'CTM-PT-04', 'CTM-UP-06']);
    const pt01 = rules.find((r) => r.id === 'CTM-PT-01')!;
    expect(pt01.properties.requirements).toEqual(['NIST IR 8425 IAC-1(a)', 'ETSI EN 303 645 5.6-1', 'OWASP ISTG DES-CONF-002']);
    expect(pt01.shortDescription.text).toBe('Full TCP/UDP scan; every open service declared');
    expect(run.tool.driver.properties.generator).toBe('trustlab-sarif-writer/1.0.0');
  });

  it('reports fails as errors, passes as kind pass, and the rest with level none', () => {
    const results = run.results as Json[];
    expect(results).toHaveLength(9);
    const kinds = results.map((r) => `${r.properties.deviceId} ${r.ruleId} ${r.kind}/${r.level}`);
    expect(kinds.filter((k) => k.endsWith('fail/error'))).toHaveLength(4);
    expect(kinds).toContain('cam CTM-PT-01 pass/none');
    expect(kinds).toContain('cam CTM-PT-01 open/none');
    expect(kinds).toContain('plug CTM-DP-02 notApplicable/none');
    for (const r of results) expect(run.tool.driver.rules[r.ruleIndex].id).toBe(r.ruleId);
  });

  it('locates each result by logical locations naming the device and the port', () => {
    const locations = run.logicalLocations as Json[];
    const dp02 = (run.results as Json[]).find((r) => r.ruleId === 'CTM-DP-02' && r.kind === 'fail')!;
    const loc = dp02.locations[0].logicalLocations[0];
    expect(loc.fullyQualifiedName).toBe('cam/tcp/2323');
    expect(locations[loc.index]).toMatchObject({ name: 'tcp/2323', fullyQualifiedName: 'cam/tcp/2323' });
    expect(locations[locations[loc.index].parentIndex]).toMatchObject({ name: 'cam', properties: { address: '192.0.2.10' } });
    const upd = (run.results as Json[]).find((r) => r.ruleId === 'CTM-UP-06')!;
    expect(upd.locations[0].logicalLocations[0].fullyQualifiedName).toBe('cam');
    expect(sarifIndexProblems(log)).toEqual([]);
    const shifted = structuredClone(log);
    shifted.runs[0].results[0].ruleIndex = 3;
    expect(sarifIndexProblems(shifted)).toHaveLength(1);
  });

  it('attaches evidence as hashed artifacts relative to the bag\'s data/ directory', () => {
    const dp02 = (run.results as Json[]).find((r) => r.ruleId === 'CTM-DP-02' && r.kind === 'fail')!;
    const att = dp02.attachments[0].artifactLocation;
    expect(att).toMatchObject({ uri: 'evidence/1b2c3d4e5f607182-cam-telnet-login.txt', uriBaseId: 'BAGDATA' });
    const artifact = run.artifacts[att.index];
    expect(artifact.location.uri).toBe(att.uri);
    expect(artifact.hashes['sha-256']).toMatch(/^[0-9a-f]{64}$/);
    expect(artifact.hashes['sha-256']).toBe((report as Json).evidence.find((e: Json) => e.path === att.uri).sha256);
  });

  it('renders the same bytes for the same report', () => {
    expect(Buffer.from(sarifWriter.render(fixtureReport())).equals(Buffer.from(sarifWriter.render(report)))).toBe(true);
  });
});
