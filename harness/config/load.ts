/**
 * Load a lab config: parse YAML, validate once with a compiled ajv schema, check what a schema
 * cannot (unique ids, addresses inside scope, known suites), apply defaults, resolve paths,
 * deep-freeze. Every problem is reported at once, each with file, line and JSON path.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
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
  if (issues.length === 0) semanticChecks(data as LabConfig, opts, at);
  if (issues.length > 0) {
    throw new TrustlabError('TL_CONFIG_INVALID', `${file}: ${issues.length} problem(s) in the lab config`, {
      details: issues.map(formatIssue),
    });
  }
  const config = data as LabConfig;
  config.lab.key = path.resolve(path.dirname(file), config.lab.key);
  config.plugins = config.plugins.map((p) => (p.startsWith('.') || p.startsWith('/') ? path.resolve(path.dirname(file), p) : p));
  return {
    config: deepFreeze(config),
    path: path.resolve(file),
    digest: createHash('sha256').update(text).digest('hex'),
  };
}

function semanticChecks(config: LabConfig, opts: LoadOptions, at: (p: string[], m: string) => void): void {
  let guard;
  try {
    guard = createScopeGuard(config.network.scope);
  } catch (err) {
    at(['network', 'scope'], (err as Error).message);
    return;
  }
  const ids = new Set<string>();
  config.devices.forEach((d, i) => {
    if (ids.has(d.id)) at(['devices', String(i), 'id'], `duplicate device id "${d.id}"`);
    ids.add(d.id);
    if (!guard.allows(d.address)) at(['devices', String(i), 'address'], `${d.address} is outside network.scope`);
    d.samples?.forEach((s, j) => {
      if (!guard.allows(s.address)) at(['devices', String(i), 'samples', String(j), 'address'], `${s.address} is outside network.scope`);
    });
    const seen = new Set<string>();
    d.declared.services.forEach((s, j) => {
      const key = `${s.transport}/${s.port}`;
      if (seen.has(key)) at(['devices', String(i), 'declared', 'services', String(j)], `${key} is declared twice`);
      seen.add(key);
    });
  });
  if (opts.knownSuites) {
    config.suites.forEach((s, i) => {
      if (!opts.knownSuites!.includes(s)) at(['suites', String(i)], `unknown suite "${s}" (known: ${opts.knownSuites!.join(', ')})`);
    });
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
