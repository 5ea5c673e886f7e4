/**
 * The default-credential corpus and the order it is tried in: entries for the declared
 * manufacturer first, then the lab's own lists (config `credentialLists`), then the general
 * entries by weight. An entry tagged with protocols is tried only on those; untagged on all.
 * The corpus is validated against its schema when loaded, so a bad edit fails at once.
 */
import { readFileSync } from 'node:fs';
import { loadTable } from '../../harness/plugins/policies.ts';
import { createAjv } from '../../harness/config/ajv.ts';
import { TrustlabError } from '../../harness/errors.ts';
import type { LoginCredential } from '../../harness/plugins/types.ts';

/** One corpus entry with its provenance. */
export interface CorpusEntry {
  username: string;
  password: string;
  source: string;
  note?: string;
  vendors?: string[];
  models?: string[];
  protocols?: CorpusProtocol[];
  weight: number;
}

export type CorpusProtocol = 'ssh' | 'telnet' | 'http' | 'mqtt' | 'ftp' | 'rtsp';

/** The corpus file. */
export interface Corpus {
  version: string;
  description: string;
  sources: Record<string, string>;
  entries: CorpusEntry[];
}

/** A credential to try, with where it came from. */
export interface Candidate extends LoginCredential {
  source: string;
}

/** Schema errors of a corpus document, as "path: message" lines (empty when valid). */
export function corpusErrors(doc: unknown): string[] {
  const schema = JSON.parse(readFileSync(new URL('./data/credentials.schema.json', import.meta.url), 'utf8')) as object;
  const validate = createAjv({ allErrors: true, strict: false }).compile(schema);
  if (validate(doc)) return [];
  return (validate.errors ?? []).map((e) => `${e.instancePath || '/'}: ${e.message ?? 'invalid'}`);
}

function loadCorpus(): Corpus & { ref: { id: string; version: string } } {
  const table = loadTable<Corpus>(new URL('./data/credentials.json', import.meta.url));
  const errors = corpusErrors(table);
  if (errors.length > 0) throw new TrustlabError('TL_PLUGIN_INVALID', 'suites/default-passwords/data/credentials.json does not match its schema', { details: errors });
  return Object.assign(table, { ref: { id: 'suites/default-passwords/data/credentials', version: table.version } });
}

export const corpus = loadCorpus();

/** Read a lab list: CSV lines "username,password" (an optional header, # comments). */
export function readLabList(file: string): Candidate[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new TrustlabError('TL_CONFIG_READ', `credential list ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, { cause: err });
  }
  const out: Candidate[] = [];
  for (const [i, line] of text.split(/\r?\n/).entries()) {
    if (line.trim() === '' || line.startsWith('#')) continue;
    const comma = line.indexOf(',');
    if (comma < 0) throw new TrustlabError('TL_CONFIG_INVALID', `credential list ${file} line ${i + 1}: expected "username,password"`);
    const username = line.slice(0, comma);
    const password = line.slice(comma + 1);
    if (i === 0 && username === 'username' && password === 'password') continue;
    out.push({ username, password, source: `lab-list:${file.split('/').pop()}` });
  }
  return out;
}

const matches = (list: string[] | undefined, value: string | undefined): boolean =>
  list !== undefined && value !== undefined && list.some((v) => v.toLowerCase() === value.trim().toLowerCase());

/** The credentials to try on one protocol, in order, without duplicates. */
export function selectCredentials(opts: { protocol: CorpusProtocol; manufacturer?: string; model?: string; labLists?: readonly string[]; entries?: readonly CorpusEntry[] }): Candidate[] {
  const entries = (opts.entries ?? corpus.entries).filter((e) => e.protocols === undefined || e.protocols.includes(opts.protocol));
  const byWeight = (a: CorpusEntry, b: CorpusEntry): number => b.weight - a.weight;
  const vendor = entries.filter((e) => matches(e.vendors, opts.manufacturer)).sort((a, b) => Number(matches(b.models, opts.model)) - Number(matches(a.models, opts.model)) || byWeight(a, b));
  const general = entries.filter((e) => e.vendors === undefined).sort(byWeight);
  const lab = (opts.labLists ?? []).flatMap(readLabList);
  const seen = new Set<string>();
  const out: Candidate[] = [];
  for (const c of [...vendor.map((e) => ({ username: e.username, password: e.password, source: e.source })), ...lab, ...general.map((e) => ({ username: e.username, password: e.password, source: e.source }))]) {
    const key = `${c.username}\u0000${c.password}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(c);
  }
  return out;
}
