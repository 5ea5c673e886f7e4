/**
 * The lab config schema, compiled once. Turns ajv's raw errors into one readable message per
 * problem: anyOf noise collapsed, missing keys reported at their parent with the key named.
 */
import { readFileSync } from 'node:fs';
import type { ErrorObject } from 'ajv';
import { createAjv } from './ajv.ts';

const schemaUrl = new URL('../../lab-configs/schema/lab-config.schema.json', import.meta.url);
/** The lab config JSON Schema (version 1). */
export const labConfigSchema = JSON.parse(readFileSync(schemaUrl, 'utf8')) as Record<string, unknown>;

const ajv = createAjv({ allErrors: true, useDefaults: true, strict: true, allowUnionTypes: true });
const validateFn = ajv.compile(labConfigSchema);

export interface SchemaProblem {
  pointer: string;
  message: string;
  /** Point at the key rather than the value (unknown or missing property). */
  keyOfLast: boolean;
}

function describe(e: ErrorObject): SchemaProblem {
  const p = e.params as Record<string, unknown>;
  switch (e.keyword) {
    case 'required':
      // Point at the key that owns the incomplete object: that is where the line belongs.
      return { pointer: e.instancePath, message: `missing required property "${String(p.missingProperty)}"`, keyOfLast: true };
    case 'additionalProperties':
      return { pointer: `${e.instancePath}/${String(p.additionalProperty)}`, message: `unknown property "${String(p.additionalProperty)}"`, keyOfLast: true };
    case 'enum':
      return { pointer: e.instancePath, message: `must be one of ${(p.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`, keyOfLast: false };
    case 'anyOf':
      return { pointer: e.instancePath, message: e.instancePath.endsWith('address') ? 'must be an IPv4 or IPv6 address' : 'matches none of the allowed forms', keyOfLast: false };
    case 'pattern':
      return { pointer: e.instancePath, message: `has an invalid form (expected ${String(p.pattern)})`, keyOfLast: false };
    default:
      return { pointer: e.instancePath, message: e.message ?? e.keyword, keyOfLast: false };
  }
}

/** Validate (and fill defaults into) parsed config data; returns every problem found. */
export function schemaErrors(data: unknown): SchemaProblem[] {
  if (validateFn(data)) return [];
  const errors = validateFn.errors ?? [];
  // The branches of a failed anyOf each report; the anyOf itself says it better.
  const anyOfPaths = errors.filter((e) => e.keyword === 'anyOf').map((e) => `${e.schemaPath}/`);
  const kept = errors.filter((e) => !anyOfPaths.some((prefix) => e.schemaPath.startsWith(prefix)));
  const seen = new Set<string>();
  const out: SchemaProblem[] = [];
  for (const e of kept) {
    const d = describe(e);
    const key = `${d.pointer}|${d.message}`;
    if (!seen.has(key)) {
      seen.add(key);
      out.push(d);
    }
  }
  return out;
}
