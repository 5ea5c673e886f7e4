/**
 * The official validators for the exports, used by the writer and CLI tests: the OSCAL 1.2.1
 * JSON Schemas (ajv, draft-07), the SARIF 2.1.0 schema (ajv-draft-04), both JUnit XSDs
 * (xmllint, Debian's libxml2-utils), and a reference check of OSCAL `#uuid` links written
 * independently of the writer's own.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Ajv04Module from 'ajv-draft-04';
import addFormatsModule from 'ajv-formats';
import type { ValidateFunction } from 'ajv';
import { createAjv } from '../../../../harness/config/ajv.ts';

const root = fileURLToPath(new URL('../../../../', import.meta.url));
/** The shared, unmodified third-party schemas (shared/ sits beside the repository). */
export const SCHEMAS = path.resolve(root, '..', 'shared', 'schemas');
/** The two JUnit XSDs a file must satisfy together (FORMATS.md). */
export const JUNIT_XSDS = ['junit-jenkins-xunit-junit-10.xsd', 'junit-windyroad-ant-JUnit.xsd'];

// ajv-draft-04 is CommonJS: under NodeNext its class sits on `.default` of the default import.
const Ajv04 = Ajv04Module.default;
const cache = new Map<string, ValidateFunction>();
const load = (file: string): object => JSON.parse(readFileSync(path.join(SCHEMAS, file), 'utf8')) as object;

/** An ajv validator for one of the OSCAL 1.2.1 schemas (compiled once per process). */
export function oscalSchema(file: 'oscal_assessment-results_schema-1.2.1.json' | 'oscal_complete_schema-1.2.1.json'): ValidateFunction {
  if (!cache.has(file)) cache.set(file, createAjv({ allErrors: true, strict: false }).compile(load(file)));
  return cache.get(file)!;
}

/** The SARIF 2.1.0 errata01 schema, which is draft-04. */
export function sarifSchema(): ValidateFunction {
  const file = 'sarif-schema-2.1.0.json';
  if (!cache.has(file)) {
    const ajv = new Ajv04({ allErrors: true, strict: false });
    const addFormats = ((addFormatsModule as unknown as { default?: (a: unknown) => void }).default ?? addFormatsModule) as unknown as (a: unknown) => void;
    addFormats(ajv);
    cache.set(file, ajv.compile(load(file)));
  }
  return cache.get(file)!;
}

/** ajv's errors as short lines, for assertion messages. */
export function errorsOf(v: ValidateFunction): string[] {
  return (v.errors ?? []).slice(0, 8).map((e) => `${e.instancePath} ${e.message ?? ''}`);
}

/** Validate XML text against each JUnit XSD with xmllint; one entry per XSD. */
export function junitXsdResults(xml: string): { xsd: string; ok: boolean; output: string }[] {
  const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'trustlab-junit-')), 'junit.xml');
  writeFileSync(file, xml);
  return JUNIT_XSDS.map((xsd) => {
    const r = spawnSync('xmllint', ['--noout', '--nonet', '--schema', path.join(SCHEMAS, xsd), file], { encoding: 'utf8' });
    if (r.error) throw new Error(`xmllint is missing (apt-get install libxml2-utils): ${r.error.message}`);
    return { xsd, ok: r.status === 0, output: `${r.stdout}${r.stderr}` };
  });
}

/** Every `"href": "#..."` in an OSCAL document that names no back-matter resource of it. */
export function unresolvedFragmentLinks(doc: Record<string, unknown>): string[] {
  const model = Object.values(doc)[0] as { 'back-matter'?: { resources?: { uuid: string }[] } };
  const resources = new Set((model['back-matter']?.resources ?? []).map((r) => r.uuid));
  const links = [...JSON.stringify(doc).matchAll(/"href":"#([^"]*)"/g)].map((m) => m[1]!);
  return links.filter((uuid) => !resources.has(uuid));
}

/** Every UUID-valued reference (observation, risk, subject, party) that is defined nowhere in the document. */
export function undefinedUuidReferences(doc: Record<string, unknown>): string[] {
  const text = JSON.stringify(doc);
  const defined = new Set([...text.matchAll(/"uuid":"([^"]+)"/g)].map((m) => m[1]!));
  const refs = [
    ...[...text.matchAll(/"(?:observation-uuid|risk-uuid|subject-uuid)":"([^"]+)"/g)].map((m) => m[1]!),
    ...[...text.matchAll(/"party-uuids":\[([^\]]*)\]/g)].flatMap((m) => (JSON.parse(`[${m[1]}]`) as string[])),
  ];
  return refs.filter((u) => !defined.has(u));
}
