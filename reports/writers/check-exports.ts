/**
 * Do the exports in a run match the report they came from? Every writer is a pure render of
 * the report, so each export under data/exports/ is rendered again from data/report.json and
 * compared byte for byte. An export stamped by another version of its writer is noted, not
 * failed: a newer trustlab must still verify an older run.
 */
import { lstat, readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import type { WriterPlugin } from '../../harness/plugins/types.ts';
import { builtinWriters } from './index.ts';
import { jsonWriter } from './json.ts';
import { stampIn } from './view.ts';

/** Outcome of `checkExports`: problems fail verification, notes do not. */
export interface ExportCheck {
  /** Exports re-rendered from the report and identical, as bag paths. */
  matched: string[];
  problems: string[];
  notes: string[];
}

/** How far into an export its generator stamp may sit (writers put it at the top, before any report text). */
const STAMP_WINDOW = 4096;

function firstDifference(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return i;
  return n;
}

/** Re-render every export a known writer produced and compare it with the file in the bag. */
export async function checkExports(runDir: string, writers: readonly WriterPlugin[] = builtinWriters): Promise<ExportCheck> {
  const result: ExportCheck = { matched: [], problems: [], notes: [] };
  const dir = path.join(runDir, 'data', 'exports');
  const names = (await readdir(dir).catch(() => [] as string[])).sort();
  if (names.length === 0) return result;
  let report: unknown;
  try {
    report = JSON.parse(await readFile(path.join(runDir, 'data', 'report.json'), 'utf8'));
  } catch (err) {
    result.problems.push(`data/report.json: cannot be read to re-render the exports (${(err as Error).message})`);
    return result;
  }
  for (const name of names) {
    const bagPath = `data/exports/${name}`;
    const writer = writers.find((w) => w.id !== jsonWriter.id && path.basename(w.fileName) === name);
    if (!writer) {
      result.notes.push(`${bagPath}: no built-in writer renders it; it is covered by the signature only`);
      continue;
    }
    if (!(await lstat(path.join(dir, name))).isFile()) continue; // the bag audit reports symlinks and special files
    const actual = await readFile(path.join(dir, name));
    let expected: Uint8Array | undefined;
    let failure = '';
    try {
      expected = writer.render(report);
    } catch (err) {
      failure = (err as Error).message;
    }
    if (expected && Buffer.from(expected).equals(actual)) {
      result.matched.push(bagPath);
      continue;
    }
    const stamp = stampIn(actual.subarray(0, STAMP_WINDOW).toString('utf8'));
    if (stamp && stamp.id === writer.id && stamp.version !== writer.version) {
      result.notes.push(`${bagPath}: rendered by the ${writer.id} writer ${stamp.version}, this trustlab has ${writer.version}; not compared with the report`);
    } else if (expected) {
      result.problems.push(`${bagPath}: does not match data/report.json (the ${writer.id} writer ${writer.version} renders other bytes from it, first difference at byte ${firstDifference(expected, actual)})`);
    } else {
      result.problems.push(`${bagPath}: cannot be rendered again from data/report.json (${failure})`);
    }
  }
  return result;
}
