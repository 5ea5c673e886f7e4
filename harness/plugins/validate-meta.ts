/**
 * Plugin metadata schemas, compiled once. A plugin with bad metadata is refused at
 * registration with every problem listed, before any of its code runs against a device.
 */
import { Ajv } from 'ajv';
import { TrustlabError } from '../errors.ts';
import { testCaseInfo } from './test-cases.ts';
import { PROFILE_API_VERSION, PROFILE_CAPABILITIES, type ProfileCapability } from './types.ts';

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

const validateProfile = ajv.compile({
  type: 'object',
  required: ['apiVersion', 'id', 'version', 'title', 'capabilities'],
  properties: {
    apiVersion: { const: PROFILE_API_VERSION },
    id: { type: 'string', pattern: '^[a-z0-9-]+$' },
    version: { type: 'string', pattern: semver },
    title: { type: 'string', minLength: 1 },
    capabilities: { type: 'array', uniqueItems: true, items: { enum: [...PROFILE_CAPABILITIES] } },
    updateRedirect: { type: 'string', minLength: 1 },
  },
});

/** The method each capability promises. */
const CAPABILITY_METHOD: Record<ProfileCapability, string> = {
  'read-identity': 'readIdentity',
  'set-update-source': 'setUpdateSource',
  'trigger-update-check': 'triggerUpdateCheck',
  'read-update-settings': 'readUpdateSettings',
  'factory-reset': 'factoryReset',
};

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

/** Validate a device profile: metadata, and exactly one method per declared capability. */
export function validateProfileMeta(profile: unknown, origin: string): void {
  if (!validateProfile(profile)) fail(origin, 'profile', validateProfile.errors);
  const p = profile as unknown as Record<string, unknown> & { id: string; capabilities: ProfileCapability[] };
  const problems: string[] = [];
  for (const [capability, method] of Object.entries(CAPABILITY_METHOD) as [ProfileCapability, string][]) {
    const has = typeof p[method] === 'function';
    if (p.capabilities.includes(capability) && !has) problems.push(`declares ${capability} but has no ${method}()`);
    if (!p.capabilities.includes(capability) && has) problems.push(`has ${method}() but does not declare ${capability}`);
  }
  if (problems.length > 0) throw new TrustlabError('TL_PLUGIN_INVALID', `${origin}: profile ${p.id} ${problems.join('; ')}`, { details: problems });
}
