/**
 * The run journal: JSON lines, each fsync'd as it is written, so a run killed at any moment
 * keeps everything measured up to the last completed line. A torn last line (the kill came
 * mid-write) is dropped on read and cut off before appending again.
 */
import { closeSync, existsSync, fstatSync, fsyncSync, openSync, readFileSync, ftruncateSync, writeSync } from 'node:fs';
import { TrustlabError } from '../errors.ts';
import type { DiscoveredService, EvidenceRef, Finding } from '../model.ts';

export interface RunStartEntry {
  type: 'run-start';
  runId: string;
  configPath: string;
  configDigest: string;
  trustlabVersion: string;
  startedAt: string;
  /** How the run was set up (namespace or loopback, port overrides): needed to resume alike. */
  mode: Record<string, unknown>;
}

/** Every kind of journal line. Jobs are retried as new attempts; only a finished attempt counts. */
export type JournalEntry =
  | RunStartEntry
  | { type: 'resume'; at: string }
  | { type: 'job-start'; jobId: string; attempt: number; at: string }
  | { type: 'discovery'; jobId: string; attempt: number; deviceId: string; services: DiscoveredService[]; scanned: Record<string, unknown> }
  | { type: 'evidence'; jobId: string; attempt: number; ref: EvidenceRef }
  | { type: 'finding'; jobId: string; attempt: number; finding: Finding }
  | { type: 'job-end'; jobId: string; attempt: number; at: string }
  | { type: 'interrupted'; at: string; reason: string }
  | { type: 'run-end'; at: string };

/** Read a journal, tolerating only a torn final line. */
export function readJournal(file: string): JournalEntry[] {
  if (!existsSync(file)) throw new TrustlabError('TL_RUN_DIR', `no journal at ${file}`);
  const text = readFileSync(file, 'utf8');
  // The last element is '' after a final newline, or a torn line after a kill: drop it either way.
  const complete = text.split('\n').slice(0, -1);
  const entries: JournalEntry[] = [];
  complete.forEach((line, i) => {
    if (line.trim() === '') return;
    try {
      entries.push(JSON.parse(line) as JournalEntry);
    } catch {
      throw new TrustlabError('TL_JOURNAL_CORRUPT', `${file}:${i + 1} is not a JSON line`);
    }
  });
  return entries;
}

/** An open journal for appending. */
export class Journal {
  private fd: number;
  readonly file: string;

  private constructor(file: string, fd: number) {
    this.file = file;
    this.fd = fd;
  }

  /** Create a new journal; refuses to overwrite one. */
  static create(file: string): Journal {
    return new Journal(file, openSync(file, 'wx'));
  }

  /** Reopen for resume: cut a torn last line so the next entry starts on a fresh line. */
  static reopen(file: string): Journal {
    const fd = openSync(file, 'r+');
    const size = fstatSync(fd).size;
    const text = readFileSync(file, 'utf8');
    const keep = text.endsWith('\n') || size === 0 ? size : Buffer.byteLength(text.slice(0, text.lastIndexOf('\n') + 1));
    if (keep !== size) ftruncateSync(fd, keep);
    closeSync(fd);
    return new Journal(file, openSync(file, 'a'));
  }

  /** Append one entry and fsync before returning: once this returns, the entry survives kill -9. */
  append(entry: JournalEntry): void {
    writeSync(this.fd, `${JSON.stringify(entry)}\n`);
    fsyncSync(this.fd);
  }

  close(): void {
    if (this.fd >= 0) {
      closeSync(this.fd);
      this.fd = -1;
    }
  }
}

/** What a journal says about a run: the parts of finished job attempts only. */
export interface JournalState {
  start: RunStartEntry;
  finishedJobs: Set<string>;
  attempts: Map<string, number>;
  findings: Finding[];
  discoveries: Map<string, { services: DiscoveredService[]; scanned: Record<string, unknown> }>;
  evidence: EvidenceRef[];
  ended: boolean;
  interrupted: number;
  resumes: number;
}

/** Fold journal entries into the state a report (or a resumed run) is built from. */
export function foldJournal(entries: readonly JournalEntry[]): JournalState {
  const first = entries[0];
  if (!first || first.type !== 'run-start') throw new TrustlabError('TL_JOURNAL_CORRUPT', 'journal does not begin with run-start');
  const finished = new Map<string, number>();
  const attempts = new Map<string, number>();
  for (const e of entries) {
    if (e.type === 'job-start') attempts.set(e.jobId, Math.max(attempts.get(e.jobId) ?? 0, e.attempt));
    if (e.type === 'job-end') finished.set(e.jobId, e.attempt);
  }
  // Only the attempt that reached job-end counts: partial attempts are re-run, never merged.
  const counts = (e: { jobId: string; attempt: number }): boolean => finished.get(e.jobId) === e.attempt;
  const state: JournalState = {
    start: first,
    finishedJobs: new Set(finished.keys()),
    attempts,
    findings: [],
    discoveries: new Map(),
    evidence: [],
    ended: false,
    interrupted: 0,
    resumes: 0,
  };
  for (const e of entries) {
    if (e.type === 'finding' && counts(e)) state.findings.push(e.finding);
    else if (e.type === 'discovery' && counts(e)) state.discoveries.set(e.deviceId, { services: e.services, scanned: e.scanned });
    else if (e.type === 'evidence' && counts(e)) state.evidence.push(e.ref);
    else if (e.type === 'run-end') state.ended = true;
    else if (e.type === 'interrupted') state.interrupted++;
    else if (e.type === 'resume') state.resumes++;
  }
  return state;
}
