/**
 * Data tables (policy tables, corpora, mappings) with their versions. Every table a check
 * loads through here is named with its version in every report, so a verdict can be traced
 * to the exact knowledge it was judged by.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const loaded = new Map<string, string>();
const root = fileURLToPath(new URL('../../', import.meta.url));

/** Load a versioned JSON table; its id is its path under the project root. */
export function loadTable<T extends { version: string }>(url: URL): T {
  const file = fileURLToPath(url);
  const table = JSON.parse(readFileSync(file, 'utf8')) as T;
  if (typeof table.version !== 'string') throw new Error(`${file}: a data table needs a "version"`);
  loaded.set(path.relative(root, file).replace(/\\/g, '/').replace(/\.json$/, ''), table.version);
  return table;
}

/** Tables loaded in this process, sorted by id. */
export function loadedTables(): { id: string; version: string }[] {
  return [...loaded].map(([id, version]) => ({ id, version })).sort((a, b) => a.id.localeCompare(b.id));
}
