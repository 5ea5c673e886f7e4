/**
 * Plugin metadata schemas, compiled once. A plugin with bad metadata is refused at
 * registration with every problem listed, before any of its code runs against a device.
 */
import { Ajv } from 'ajv';
import { TrustlabError } from '../errors.ts';
import { testCaseInfo } from './test-cases.ts';

const ajv = new Ajv({ allErrors: true, strict: false });

const semver = '^\\d+\\.\\d+\\.\\d+$';
const validateCheck = ajv.compile({
  type: 'object',
  required: ['apiVersion', 'id', 'version', 'title', 'testIds', 'needs', 'appliesTo', 'run'],
  properties: {
    apiVersion: { const: 1 },
    id: { type: 'string', pattern: '^[a-z0-9-]+(/[a-z0-9-]+)+$' },
    version: { type: 'string', pattern: semver },
    title: { type: 'string', minLength: 1 },
    testIds: { type: 'array', minItems: 1, items: { type: 'string', pattern: '^CTM-[A-Z]+-\\d{2}$' } },
    needs: { type: 'array', items: { type: 'string' } },
  },
});
const validateSuite = ajv.compile({
  type: 'object',
  required: ['apiVersion', 'id', 'version', 'title', 'after', 'checks'],
  properties: {
    apiVersion: { const: 1 },
    id: { type: 'string', pattern: '^[a-z0-9-]+$' },
    version: { type: 'string', pattern: semver },
    title: { type: 'string', minLength: 1 },
    after: { type: 'array', items: { type: 'string' } },
    checks: { type: 'array', minItems: 1 },
  },
});

function fail(origin: string, what: string, errors: typeof validateCheck.errors): never {
  const details = (errors ?? []).map((e) => `${e.instancePath || '(root)'} ${e.message ?? ''}`);
  throw new TrustlabError('TL_PLUGIN_INVALID', `${origin}: invalid ${what} metadata`, { details });
}

/** Validate a check's metadata, and that its functions and test ids are real. */
export function validateCheckMeta(check: unknown, origin: string): void {
  if (!validateCheck(check)) fail(origin, 'check', validateCheck.errors);
  const c = check as { id: string; appliesTo: unknown; run: unknown; testIds: string[] };
  if (typeof c.appliesTo !== 'function' || typeof c.run !== 'function') {
    throw new TrustlabError('TL_PLUGIN_INVALID', `${origin}: check ${c.id} needs appliesTo() and run() functions`);
  }
  const unknown = c.testIds.filter((t) => testCaseInfo(t) === undefined);
  if (unknown.length > 0) throw new TrustlabError('TL_PLUGIN_INVALID', `${origin}: check ${c.id} names unknown test ids ${unknown.join(', ')}`);
}

/** Validate a suite's own metadata (its checks are validated one by one). */
export function validateSuiteMeta(suite: unknown, origin: string): void {
  if (!validateSuite(suite)) fail(origin, 'suite', validateSuite.errors);
}
