import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { foldJournal, Journal, readJournal, type JournalEntry, type RunStartEntry } from '../../../../harness/journal/journal.ts';
import type { Finding } from '../../../../harness/model.ts';
import { thrown } from '../../support/thrown.ts';

const root = mkdtempSync(path.join(tmpdir(), 'trustlab-journal-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

let n = 0;
let file: string;
beforeEach(() => {
  file = path.join(root, `journal-${++n}.jsonl`);
});

const START: RunStartEntry = {
  type: 'run-start',
  runId: 'run-1',
  configPath: '/labs/lab.yaml',
  configDigest: 'ab'.repeat(32),
  trustlabVersion: '0.1.0',
  startedAt: '2025-01-01T00:00:00.000Z',
  mode: { loopback: true },
};

const finding = (testId: string, summary: string): Finding => ({
  testId,
  checkId: 'open-ports/listening-services',
  deviceId: 'cam-1',
  status: 'pass',
  summary,
  evidence: [],
  requirements: [],
});

describe('Journal and readJournal', () => {
  it('round-trips every entry as one JSON line each', () => {
    const entries: JournalEntry[] = [
      START,
      { type: 'job-start', jobId: 'open-ports@cam-1', attempt: 1, at: 't1' },
      { type: 'finding', jobId: 'open-ports@cam-1', attempt: 1, finding: finding('CTM-PT-01', 'uni\u00e9code \u2603 and\nnewline') },
      { type: 'job-end', jobId: 'open-ports@cam-1', attempt: 1, at: 't2' },
      { type: 'run-end', at: 't3' },
    ];
    const j = Journal.create(file);
    for (const e of entries) j.append(e);
    j.close();
    j.close();
    expect(readJournal(file)).toEqual(entries);
    const text = readFileSync(file, 'utf8');
    expect(text.endsWith('\n')).toBe(true);
    expect(text.split('\n')).toHaveLength(entries.length + 1);
  });

  it('refuses to create over an existing journal', () => {
    Journal.create(file).close();
    expect(() => Journal.create(file)).toThrow(/EEXIST/);
  });

  it('reports a missing journal as TL_RUN_DIR', () => {
    expect(thrown(() => readJournal(path.join(root, 'nope.jsonl'))).code).toBe('TL_RUN_DIR');
  });

  it('reads an empty journal as no entries', () => {
    Journal.create(file).close();
    expect(readJournal(file)).toEqual([]);
  });

  it('drops a torn last line on read', () => {
    const j = Journal.create(file);
    j.append(START);
    j.append({ type: 'resume', at: 'x' });
    j.close();
    appendFileSync(file, '{"type":"finding","jobId":"op');
    expect(readJournal(file)).toEqual([START, { type: 'resume', at: 'x' }]);
  });

  it('reopen cuts the torn line, so the next append leaves valid JSONL', () => {
    const j = Journal.create(file);
    j.append(START);
    j.close();
    // Torn in the middle of a multi-byte character, as a kill can leave it.
    appendFileSync(file, Buffer.concat([Buffer.from('{"type":"resume","at":"caf'), Buffer.from([0xc3])]));
    const again = Journal.reopen(file);
    again.append({ type: 'resume', at: 'later' });
    again.close();
    const text = readFileSync(file, 'utf8');
    expect(text).toBe(`${JSON.stringify(START)}\n${JSON.stringify({ type: 'resume', at: 'later' })}\n`);
    for (const line of text.trimEnd().split('\n')) expect(() => JSON.parse(line)).not.toThrow();
    expect(readJournal(file)).toEqual([START, { type: 'resume', at: 'later' }]);
  });

  it('reopen keeps a clean journal as it is and appends after it', () => {
    const j = Journal.create(file);
    j.append(START);
    j.close();
    const again = Journal.reopen(file);
    again.append({ type: 'resume', at: 'r' });
    again.close();
    expect(readJournal(file)).toEqual([START, { type: 'resume', at: 'r' }]);
  });

  it('reopen of a journal that is only a torn line leaves it empty', () => {
    writeFileSync(file, '{"type":"run-st');
    Journal.reopen(file).close();
    expect(readFileSync(file, 'utf8')).toBe('');
  });

  it('refuses a corrupt line that is not the last with TL_JOURNAL_CORRUPT and its line number', () => {
    writeFileSync(file, `${JSON.stringify(START)}\n{not json}\n${JSON.stringify({ type: 'run-end', at: 'x' })}\n`);
    const err = thrown(() => readJournal(file));
    expect(err.code).toBe('TL_JOURNAL_CORRUPT');
    expect(err.exitCode).toBe(4);
    expect(err.message).toContain(`${file}:2 `);
  });

  it('skips blank lines', () => {
    writeFileSync(file, `${JSON.stringify(START)}\n\n${JSON.stringify({ type: 'run-end', at: 'x' })}\n`);
    expect(readJournal(file)).toHaveLength(2);
  });
});

describe('foldJournal', () => {
  const J = 'open-ports@cam-1';
  const K = 'encryption@cam-1';
  const entries: JournalEntry[] = [
    START,
    { type: 'job-start', jobId: J, attempt: 1, at: 't' },
    { type: 'discovery', jobId: J, attempt: 1, deviceId: 'cam-1', services: [{ transport: 'tcp', port: 23, state: 'open' }], scanned: { pass: 1 } },
    { type: 'evidence', jobId: J, attempt: 1, ref: { path: 'evidence/a1', sha256: 'a1', mediaType: 'text/plain' } },
    { type: 'finding', jobId: J, attempt: 1, finding: finding('CTM-PT-01', 'attempt 1 (partial)') },
    { type: 'interrupted', at: 't', reason: 'SIGINT' },
    { type: 'resume', at: 't' },
    { type: 'job-start', jobId: J, attempt: 2, at: 't' },
    { type: 'discovery', jobId: J, attempt: 2, deviceId: 'cam-1', services: [{ transport: 'tcp', port: 22, state: 'open' }], scanned: { pass: 2 } },
    { type: 'evidence', jobId: J, attempt: 2, ref: { path: 'evidence/b2', sha256: 'b2', mediaType: 'text/plain' } },
    { type: 'finding', jobId: J, attempt: 2, finding: finding('CTM-PT-01', 'attempt 2') },
    { type: 'finding', jobId: J, attempt: 2, finding: finding('CTM-PT-04', 'attempt 2 too') },
    { type: 'job-end', jobId: J, attempt: 2, at: 't' },
    { type: 'job-start', jobId: K, attempt: 1, at: 't' },
    { type: 'finding', jobId: K, attempt: 1, finding: finding('CTM-EN-01', 'never finished') },
    { type: 'interrupted', at: 't', reason: 'SIGTERM' },
    { type: 'resume', at: 't' },
  ];

  it('counts only what the attempt that reached job-end recorded', () => {
    const s = foldJournal(entries);
    expect(s.start).toEqual(START);
    expect(s.findings.map((f) => f.summary)).toEqual(['attempt 2', 'attempt 2 too']);
    expect(s.evidence.map((e) => e.sha256)).toEqual(['b2']);
    expect(s.discoveries.get('cam-1')).toEqual({ services: [{ transport: 'tcp', port: 22, state: 'open' }], scanned: { pass: 2 } });
    expect([...s.finishedJobs]).toEqual([J]);
    expect(Object.fromEntries(s.attempts)).toEqual({ [J]: 2, [K]: 1 });
    expect(s.interrupted).toBe(2);
    expect(s.resumes).toBe(2);
    expect(s.ended).toBe(false);
  });

  it('sees run-end', () => {
    expect(foldJournal([...entries, { type: 'run-end', at: 't' }]).ended).toBe(true);
  });

  it('round-trips through a real file', () => {
    const j = Journal.create(file);
    for (const e of entries) j.append(e);
    j.close();
    expect(foldJournal(readJournal(file)).findings).toHaveLength(2);
  });

  it.each([[[]], [[{ type: 'resume', at: 't' } as JournalEntry, START]]])('refuses a journal that does not begin with run-start (%#)', (list) => {
    const err = thrown(() => foldJournal(list));
    expect(err.code).toBe('TL_JOURNAL_CORRUPT');
  });
});
