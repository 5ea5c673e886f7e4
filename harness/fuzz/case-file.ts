/**
 * Case files: one JSON file per crash (crash-<protocol>-seed<S>-case<I>.json) holding the
 * bytes, the sequence, seed and index, the window that led to it and the minimised form, plus
 * a summary.json per run. Reading checks the shape, so a replay never sends a half-read case.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { TrustlabError } from '../errors.ts';
import { FUZZ_PROTOCOLS } from './protocol.ts';
import type { CrashRecord, FuzzReport } from './types.ts';

/** The file name of a crash record. */
export function caseFileName(c: Pick<CrashRecord, 'protocol' | 'seed' | 'index'>): string {
  return `crash-${c.protocol}-seed${c.seed}-case${c.index}.json`;
}

/** Write every crash of the reports and a summary into dir; returns the crash file paths. */
export function writeFuzzResults(dir: string, reports: FuzzReport[]): string[] {
  mkdirSync(dir, { recursive: true });
  const files: string[] = [];
  for (const r of reports) {
    for (const c of r.crashes) {
      const file = path.join(dir, caseFileName(c));
      writeFileSync(file, `${JSON.stringify(c, null, 2)}\n`);
      files.push(file);
    }
  }
  const summary = reports.map((r) => ({ ...r, crashes: r.crashes.map((c) => ({ kind: c.kind, index: c.index, reproduced: c.reproduced, size: c.size, minimisedSize: c.minimised?.size, file: caseFileName(c) })) }));
  writeFileSync(path.join(dir, 'summary.json'), `${JSON.stringify(summary.length === 1 ? summary[0] : summary, null, 2)}\n`);
  return files;
}

const isHexList = (v: unknown): v is string[] => Array.isArray(v) && v.every((x) => typeof x === 'string' && /^([0-9a-f]{2})*$/.test(x));

/** Read and check a crash record. */
export function readCaseFile(file: string): CrashRecord {
  let data: unknown;
  try {
    data = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new TrustlabError('TL_FUZZ_CASE', `cannot read case file ${file}: ${(err as Error).message}`);
  }
  const c = data as Partial<CrashRecord>;
  const problems: string[] = [];
  if (c?.format !== 'trustlab-fuzz-case/1') problems.push('format is not "trustlab-fuzz-case/1"');
  if (!FUZZ_PROTOCOLS.includes(c?.protocol as never)) problems.push(`protocol must be one of ${FUZZ_PROTOCOLS.join(', ')}`);
  if (!Number.isSafeInteger(c?.seed) || !Number.isSafeInteger(c?.index)) problems.push('seed and index must be whole numbers');
  if (!isHexList(c?.messages) || c.messages.length === 0) problems.push('messages must be a non-empty list of hex strings');
  if (c?.minimised !== undefined && !isHexList(c.minimised.messages)) problems.push('minimised.messages must be a list of hex strings');
  if (problems.length > 0) throw new TrustlabError('TL_FUZZ_CASE', `${file} is not a trustlab fuzz case`, { details: problems });
  return c as CrashRecord;
}
