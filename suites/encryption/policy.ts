/**
 * The encryption suite's policy tables (data/*.json) and the one way every item is judged
 * against them: exact name first, then patterns in table order, first match wins, no match
 * is "unknown". Every judgement carries its table entry and clause, so every failing item in
 * a report can be traced to the rule that failed it.
 */
import { loadTable } from '../../harness/plugins/policies.ts';

/** One rule of a policy table. */
export interface PolicyEntry {
  id: string;
  name?: string;
  pattern?: string;
  status: 'allowed' | 'disallowed' | 'signal';
  clause: string;
  why: string;
  note?: string;
  keyType?: string;
  minBits?: number;
}

/** How one item fared against one table. */
export interface Judgement {
  item: string;
  status: 'allowed' | 'disallowed' | 'signal' | 'unknown';
  /** "<table>#<entry id>", e.g. "tls-versions#tls-1.0". */
  entry?: string;
  clause?: string;
  why?: string;
  note?: string;
}

interface Table {
  version: string;
}
const load = <T extends Table>(name: string): T & { ref: { id: string; version: string } } => {
  const table = loadTable<T>(new URL(`./data/${name}.json`, import.meta.url));
  return Object.assign(table, { ref: { id: `suites/encryption/data/${name}`, version: table.version } });
};

export const tlsVersions = load<Table & { entries: PolicyEntry[] }>('tls-versions');
export const tlsCipherSuites = load<Table & { entries: PolicyEntry[] }>('tls-cipher-suites');
export const tlsGroups = load<Table & { entries: PolicyEntry[] }>('tls-groups');
export const certificates = load<Table & {
  keys: PolicyEntry[];
  signatureHashes: PolicyEntry[];
  checks: Record<'validity' | 'nameMatch' | 'chain' | 'present', { id: string; clause: string; why: string }>;
}>('certificates');
export const sshAlgorithms = load<Table & Record<'protocol' | 'kex' | 'hostKey' | 'cipher' | 'mac' | 'hostKeySizes', PolicyEntry[]>>('ssh-algorithms');
export const dtls = load<Table & { versions: PolicyEntry[]; modes: PolicyEntry[]; coapWithoutDtls: PolicyEntry }>('dtls');
export const plaintextChannels = load<Table & {
  entries: (PolicyEntry & { services: string[]; ports: number[]; transport: 'tcp' | 'udp' })[];
  httpAdminPaths: string[];
}>('plaintext-channels');
export const keyUniqueness = load<Table & { entries: PolicyEntry[] }>('key-uniqueness');

const compiled = new Map<string, RegExp>();
function regex(pattern: string): RegExp {
  let re = compiled.get(pattern);
  if (!re) compiled.set(pattern, (re = new RegExp(pattern)));
  return re;
}

/** The judgement an entry gives an item. */
export function fromEntry(table: string, e: PolicyEntry, item: string, status: Judgement['status'] = e.status): Judgement {
  return { item, status, entry: `${table}#${e.id}`, clause: e.clause, why: e.why, ...(e.note ? { note: e.note } : {}) };
}

/** Judge a name: exact entries first, then patterns in order; no match is "unknown". */
export function judgeName(table: string, entries: readonly PolicyEntry[], item: string): Judgement {
  const exact = entries.find((e) => e.name === item);
  if (exact) return fromEntry(table, exact, item);
  const byPattern = entries.find((e) => e.pattern !== undefined && regex(e.pattern).test(item));
  return byPattern ? fromEntry(table, byPattern, item) : { item, status: 'unknown', why: `no entry of ${table} matches "${item}"` };
}

/** Judge a key by type and size: a size below the entry's minimum is disallowed by that entry. */
export function judgeKey(table: string, entries: readonly PolicyEntry[], keyType: string, bits: number, item: string): Judgement {
  const e = entries.find((x) => x.keyType === keyType);
  if (!e) return { item, status: 'unknown', why: `no entry of ${table} for ${keyType} keys` };
  if (e.status === 'allowed' && e.minBits !== undefined && bits < e.minBits) return fromEntry(table, e, item, 'disallowed');
  return fromEntry(table, e, item);
}

/** One line naming an item with its entry and clause, for summaries. */
export function cite(j: Judgement): string {
  return j.entry ? `${j.item} [${j.entry}: ${j.clause}]` : `${j.item} [${j.why}]`;
}

/** Pass, fail or inconclusive from judgements: any disallowed fails, any unknown is inconclusive. */
export function overall(judgements: readonly Judgement[]): 'pass' | 'fail' | 'inconclusive' {
  if (judgements.some((j) => j.status === 'disallowed')) return 'fail';
  if (judgements.some((j) => j.status === 'unknown')) return 'inconclusive';
  return 'pass';
}
