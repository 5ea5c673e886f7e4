/**
 * Load a lab config: parse YAML, validate once with a compiled ajv schema, check what a schema
 * cannot (unique ids, addresses inside scope, known suites), apply defaults, resolve paths,
 * deep-freeze. Every problem is reported at once, each with file, line and JSON path.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { LineCounter, parseDocument } from 'yaml';
import { TrustlabError } from '../errors.ts';
import type { LabConfig, LoadedConfig } from '../model.ts';
import { createScopeGuard } from '../scope/guard.ts';
import { formatPath, locate, splitPointer } from './locate.ts';
import { schemaErrors } from './validate.ts';

/** One problem in a config file. */
export interface ConfigIssue {
  file: string;
  line: number;
  col: number;
  path: string;
  message: string;
}

export function formatIssue(i: ConfigIssue): string {
  return `${i.file}:${i.line}:${i.col} ${i.path}: ${i.message}`;
}

/** Freeze an object graph so nothing downstream can change the validated config. */
export function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value as Record<string, unknown>)) deepFreeze(v);
  }
  return value;
}

export interface LoadOptions {
  /** Suite ids the registry knows; unknown ones in `suites` are reported. */
  knownSuites?: readonly string[];
}

/** Parse and validate config text; `file` is used for messages and relative paths. */
export function parseLabConfig(text: string, file: string, opts: LoadOptions = {}): LoadedConfig {
  const counter = new LineCounter();
  const doc = parseDocument(text, { lineCounter: counter, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) {
    const details = doc.errors.map((e) => {
      const pos = counter.linePos(e.pos[0]);
      return `${file}:${pos.line}:${pos.col} ${e.message.split('\n')[0]}`;
    });
    throw new TrustlabError('TL_CONFIG_YAML', `${file} is not valid YAML (${details.length} error(s))`, { details });
  }
  const data = doc.toJS({ maxAliasCount: 50 }) as unknown;
  const issues: ConfigIssue[] = [];
  const at = (pointerSegments: string[], message: string, keyOfLast = false): void => {
    const pos = locate(doc, counter, pointerSegments, keyOfLast);
    issues.push({ file, line: pos.line, col: pos.col, path: formatPath(pointerSegments), message });
  };
  for (const e of schemaErrors(data)) at(splitPointer(e.pointer), e.message, e.keyOfLast);
  // Run the semantic pass even after schema errors, so one validate shows every problem.
  semanticChecks(data, opts, at);
  if (issues.length > 0) {
    throw new TrustlabError('TL_CONFIG_INVALID', `${file}: ${issues.length} problem(s) in the lab config`, {
      details: issues.map(formatIssue),
    });
  }
  const config = data as LabConfig;
  config.lab.key = path.resolve(path.dirname(file), config.lab.key);
  config.plugins = config.plugins.map((p) => resolvePluginSpec(p, file));
  if (config.credentialLists) config.credentialLists = config.credentialLists.map((p) => path.resolve(path.dirname(file), p));
  for (const d of config.devices) {
    const ca = d.declared.tlsCa;
    if (ca !== undefined && !ca.startsWith('-----BEGIN')) d.declared.tlsCa = path.resolve(path.dirname(file), ca);
    const updateKey = d.declared.updates?.signingKey;
    if (updateKey !== undefined && !updateKey.startsWith('-----BEGIN')) d.declared.updates!.signingKey = path.resolve(path.dirname(file), updateKey);
    if (d.updateTest && !d.updateTest.signingKey.startsWith('-----BEGIN')) d.updateTest.signingKey = path.resolve(path.dirname(file), d.updateTest.signingKey);
  }
  return {
    config: deepFreeze(config),
    path: path.resolve(file),
    digest: createHash('sha256').update(text).digest('hex'),
  };
}

type Loose = Record<string, unknown>;
const asArray = (v: unknown): Loose[] => (Array.isArray(v) ? v.filter((x): x is Loose => !!x && typeof x === 'object') : []);

/** Checks a schema cannot express. Written against unvalidated data: it must not throw on junk. */
function semanticChecks(data: unknown, opts: LoadOptions, at: (p: string[], m: string) => void): void {
  if (!data || typeof data !== 'object') return;
  const config = data as Loose;
  const scope = (config.network as Loose | undefined)?.scope;
  let guard: ReturnType<typeof createScopeGuard> | undefined;
  if (Array.isArray(scope) && scope.every((e) => typeof e === 'string')) {
    try {
      guard = createScopeGuard(scope as string[]);
    } catch (err) {
      at(['network', 'scope'], (err as Error).message);
    }
  }
  const ids = new Set<string>();
  asArray(config.devices).forEach((d, i) => {
    const where = (...rest: string[]): string[] => ['devices', String(i), ...rest];
    if (typeof d.id === 'string') {
      if (ids.has(d.id)) at(where('id'), `duplicate device id "${d.id}"`);
      ids.add(d.id);
    }
    if (guard && typeof d.address === 'string' && net.isIP(d.address) && !guard.allows(d.address)) at(where('address'), `${d.address} is outside network.scope`);
    asArray(d.samples).forEach((s, j) => {
      if (guard && typeof s.address === 'string' && net.isIP(s.address) && !guard.allows(s.address)) at(where('samples', String(j), 'address'), `${s.address} is outside network.scope`);
    });
    const seen = new Set<string>();
    asArray((d.declared as Loose | undefined)?.services).forEach((s, j) => {
      const key = `${String(s.transport)}/${String(s.port)}`;
      if (seen.has(key)) at(where('declared', 'services', String(j)), `${key} is declared twice`);
      seen.add(key);
    });
  });
  const known = opts.knownSuites;
  if (known && Array.isArray(config.suites)) {
    config.suites.forEach((s, i) => {
      if (typeof s === 'string' && !known.includes(s)) at(['suites', String(i)], `unknown suite "${s}" (known: ${known.join(', ')})`);
    });
  }
}

/** Plugin paths are relative to the config file; package names stay as they are. */
function resolvePluginSpec(spec: string, file: string): string {
  return spec.startsWith('.') || spec.startsWith('/') ? path.resolve(path.dirname(file), spec) : spec;
}

/**
 * The plugins a config names, read before validation: their suites must be registered
 * before the config's suite names can be checked. Tolerant of a broken file (returns []).
 */
export function pluginSpecs(file: string): string[] {
  try {
    const raw = parseDocument(readFileSync(file, 'utf8')).toJS() as { plugins?: unknown } | null;
    const list = Array.isArray(raw?.plugins) ? raw.plugins.filter((p): p is string => typeof p === 'string' && p !== '') : [];
    return list.map((p) => resolvePluginSpec(p, file));
  } catch {
    return [];
  }
}

/** Read and load a config file. */
export function loadLabConfig(file: string, opts: LoadOptions = {}): LoadedConfig {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new TrustlabError('TL_CONFIG_READ', `cannot read lab config ${file}: ${(err as NodeJS.ErrnoException).code ?? err}`);
  }
  return parseLabConfig(text, file, opts);
}
