/**
 * Black-box: a run killed with kill -9 (or stopped with SIGINT) and resumed gives the same
 * findings as an uninterrupted run: none lost, none doubled.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Bench } from '../../harness/virtual-bench/index.ts';
import { readReport, runCli, runDirFrom, startCli, tempDir, writeBenchConfig, startTestBench } from './helpers.ts';

const addresses = { weak: '127.77.6.11', hardened: '127.77.6.12', mixed: '127.77.6.13' };
// Enough ports that each job takes a moment, so the kill lands between jobs or inside one.
const PORTS = '1-12000';
let bench: Bench;
let dir: string;
let config: string;

beforeAll(async () => {
  bench = await startTestBench(addresses);
  dir = tempDir('cli-resume');
  const keyPath = path.join(dir, 'lab.key.pem');
  expect((await runCli(['keys', 'init', '--out', keyPath])).code).toBe(0);
  config = writeBenchConfig(dir, addresses, { keyPath, ports: PORTS });
}, 60_000);

afterAll(async () => {
  await bench?.stop();
});

/** The findings that must agree between runs (evidence digests hold timings, so they differ). */
function findings(runDir: string): string[] {
  return readReport(runDir).devices.flatMap((d) => d.results.map((r) => JSON.stringify([d.id, r.testId, r.checkId, r.status, r.target ?? null, r.summary]))).sort();
}

/** Start a run and wait until its journal shows `lines` job-end entries; returns the child and run dir. */
async function startAndWaitForJobs(out: string, jobEnds: number) {
  const child = startCli(['run', config, '--out', out, '--parallel', '1']);
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (Date.now() > deadline) throw new Error('run did not reach the wanted point in time');
    const runs = existsSync(out) ? (await import('node:fs')).readdirSync(out) : [];
    const journal = runs[0] ? path.join(out, runs[0], 'data', 'journal.jsonl') : undefined;
    if (journal && existsSync(journal)) {
      const ends = readFileSync(journal, 'utf8').split('\n').filter((l) => l.includes('"type":"job-end"')).length;
      if (ends >= jobEnds) return { child, runDir: path.join(out, runs[0]!) };
    }
    await new Promise((r) => setTimeout(r, 15));
  }
}

describe('resume', () => {
  let reference: string[];

  beforeAll(async () => {
    const res = await runCli(['run', config, '--out', path.join(dir, 'ref')], { timeoutMs: 120_000 });
    expect(res.code, res.stderr).toBe(1);
    reference = findings(runDirFrom(res.stdout));
    expect(reference.length).toBeGreaterThan(10);
  }, 150_000);

  it('after kill -9 gives the same findings as an uninterrupted run', async () => {
    const { child, runDir } = await startAndWaitForJobs(path.join(dir, 'killed'), 1);
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGKILL');
    await exited;
    expect(existsSync(path.join(runDir, 'report.intoto.json'))).toBe(false);
    const resumed = await runCli(['run', '--resume', runDir, config], { timeoutMs: 120_000 });
    expect(resumed.code, resumed.stderr).toBe(1);
    expect(findings(runDir)).toEqual(reference);
    expect(readReport(runDir).run.resumed).toBe(1);
    const verify = await runCli(['verify', runDir]);
    expect(verify.code, verify.stderr).toBe(0);
  }, 150_000);

  it('after SIGINT marks the run interrupted (exit 130) and resumes to the same findings', async () => {
    const { child, runDir } = await startAndWaitForJobs(path.join(dir, 'sigint'), 1);
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    child.kill('SIGINT');
    expect(await exited).toBe(130);
    const journal = readFileSync(path.join(runDir, 'data', 'journal.jsonl'), 'utf8');
    expect(journal).toMatch(/"type":"interrupted"/);
    const resumed = await runCli(['run', '--resume', runDir, config], { timeoutMs: 120_000 });
    expect(resumed.code, resumed.stderr).toBe(1);
    expect(findings(runDir)).toEqual(reference);
    const again = await runCli(['run', '--resume', runDir, config]);
    expect(again.code).toBe(3);
    expect(again.stderr).toMatch(/TL_RESUME_FINISHED/);
  }, 150_000);
});
