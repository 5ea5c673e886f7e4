/**
 * The plugin registry. Built-in suites are folders under suites/: `suite.ts` names the checks
 * in order, each check is `<name>.ts`, and its id is its path (`open-ports/listening-services`).
 * Third-party plugins load from a path or package named in the lab config. Metadata is
 * validated at registration; behaviour is one call.
 */
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { TrustlabError } from '../errors.ts';
import { CHECK_API_VERSION, type CheckPlugin, type SuitePlugin, type WriterPlugin, type ProfilePlugin, type AdapterPlugin } from './types.ts';
import { validateCheckMeta, validateProfileMeta, validateSuiteMeta } from './validate-meta.ts';

const suitesRoot = fileURLToPath(new URL('../../suites/', import.meta.url));

/** The metadata a built-in check file exports; the registry adds its id from the path. */
export type CheckDefinition = Omit<CheckPlugin, 'id' | 'apiVersion'>;
/** A built-in suite's `suite.ts`: check file names in run order. */
export interface SuiteDefinition {
  version: string;
  title: string;
  after: string[];
  checks: string[];
}

/** Identity helpers so definitions are type-checked where they are written. */
export const defineCheck = (d: CheckDefinition): CheckDefinition => d;
export const defineSuite = (d: SuiteDefinition): SuiteDefinition => d;

export interface Registry {
  suites: Map<string, SuitePlugin>;
  writers: Map<string, WriterPlugin>;
  profiles: Map<string, ProfilePlugin>;
  adapters: Map<string, AdapterPlugin>;
}

export function emptyRegistry(): Registry {
  return { suites: new Map(), writers: new Map(), profiles: new Map(), adapters: new Map() };
}

/** Register a suite after validating it and each check; ids must be unique and path-shaped. */
export function registerSuite(reg: Registry, suite: SuitePlugin, origin: string): void {
  validateSuiteMeta(suite, origin);
  if (reg.suites.has(suite.id)) throw new TrustlabError('TL_PLUGIN_DUPLICATE', `suite "${suite.id}" from ${origin} is already registered`);
  const ids = new Set<string>();
  for (const check of suite.checks) {
    validateCheckMeta(check, origin);
    if (!check.id.startsWith(`${suite.id}/`)) {
      throw new TrustlabError('TL_PLUGIN_INVALID', `${origin}: check id "${check.id}" must start with "${suite.id}/" (the id is the path)`);
    }
    if (ids.has(check.id)) throw new TrustlabError('TL_PLUGIN_DUPLICATE', `${origin}: check "${check.id}" appears twice`);
    ids.add(check.id);
  }
  reg.suites.set(suite.id, Object.freeze(suite));
}

/** Register a device profile after validating its metadata and methods; ids are unique. */
export function registerProfile(reg: Registry, profile: ProfilePlugin, origin: string): void {
  validateProfileMeta(profile, origin);
  if (reg.profiles.has(profile.id)) throw new TrustlabError('TL_PLUGIN_DUPLICATE', `profile "${profile.id}" from ${origin} is already registered`);
  reg.profiles.set(profile.id, Object.freeze(profile));
}

/** Register the built-in device profiles (adapters/profiles/: the template and the virtual bench's). */
export async function loadBuiltinProfiles(reg: Registry): Promise<void> {
  const { builtinProfiles } = await import('../../adapters/profiles/index.ts');
  for (const p of builtinProfiles) registerProfile(reg, p, `adapters/profiles/${p.id}`);
}

async function importDefault<T>(file: string): Promise<T> {
  const mod = (await import(pathToFileURL(file).href)) as { default?: T };
  if (mod.default === undefined) throw new TrustlabError('TL_PLUGIN_INVALID', `${file} has no default export`);
  return mod.default;
}

/** Load every built-in suite folder (one that has a suite.ts). */
export async function loadBuiltinSuites(reg: Registry, root = suitesRoot): Promise<void> {
  const dirs = readdirSync(root, { withFileTypes: true }).filter((d) => d.isDirectory() && existsSync(path.join(root, d.name, 'suite.ts')));
  for (const dir of dirs.map((d) => d.name).sort()) {
    const def = await importDefault<SuiteDefinition>(path.join(root, dir, 'suite.ts'));
    const checks: CheckPlugin[] = [];
    for (const name of def.checks) {
      const file = path.join(root, dir, `${name}.ts`);
      const check = await importDefault<CheckDefinition>(file);
      checks.push({ ...check, apiVersion: CHECK_API_VERSION, id: `${dir}/${name}` });
    }
    registerSuite(reg, { apiVersion: CHECK_API_VERSION, id: dir, version: def.version, title: def.title, after: def.after, checks }, `suites/${dir}`);
  }
}

/** What a third-party plugin module exports as default. */
export interface PluginModule {
  name: string;
  suites?: SuitePlugin[];
  writers?: WriterPlugin[];
  profiles?: ProfilePlugin[];
  adapters?: AdapterPlugin[];
}

/** Load third-party plugins named in the lab config (absolute paths or package names). */
export async function loadPlugins(reg: Registry, specs: readonly string[]): Promise<void> {
  for (const spec of specs) {
    let mod: PluginModule;
    try {
      const target = path.isAbsolute(spec) ? pathToFileURL(spec).href : spec;
      mod = ((await import(target)) as { default: PluginModule }).default;
    } catch (err) {
      throw new TrustlabError('TL_PLUGIN_LOAD', `cannot load plugin "${spec}": ${(err as Error).message}`);
    }
    if (!mod || typeof mod.name !== 'string') throw new TrustlabError('TL_PLUGIN_INVALID', `plugin "${spec}" must default-export { name, suites?, writers?, profiles?, adapters? }`);
    for (const s of mod.suites ?? []) registerSuite(reg, s, `plugin ${mod.name}`);
    const addAll = <T extends { id: string }>(map: Map<string, T>, items: T[] | undefined, kind: string): void => {
      for (const item of items ?? []) {
        if (map.has(item.id)) throw new TrustlabError('TL_PLUGIN_DUPLICATE', `${kind} "${item.id}" from plugin ${mod.name} is already registered`);
        map.set(item.id, Object.freeze(item));
      }
    };
    addAll(reg.writers, mod.writers, 'writer');
    for (const p of mod.profiles ?? []) registerProfile(reg, p, `plugin ${mod.name}`);
    addAll(reg.adapters, mod.adapters, 'adapter');
  }
}
