/**
 * Black-box: `trustlab run` on a loopback virtual bench writes a signed run whose report says
 * what the bench really exposes; `trustlab verify` accepts it and rejects any flipped byte;
 * lab credentials appear nowhere in the run.
 */
import { cpSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Bench } from '../../harness/virtual-bench/index.ts';
import { readReport, runCli, runDirFrom, tempDir, writeBenchConfig, startTestBench } from './helpers.ts';

const addresses = { weak: '127.77.5.11', hardened: '127.77.5.12', mixed: '127.77.5.13' };
const SECRET = 'Lab-Secret-Passw0rd-7f3a';
let bench: Bench;
let dir: string;
let runDir: string;
let runResult: Awaited<ReturnType<typeof runCli>>;

function walk(d: string): string[] {
  return readdirSync(d, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(path.join(d, e.name)) : [path.join(d, e.name)]));
}

beforeAll(async () => {
  bench = await startTestBench(addresses);
  dir = tempDir('cli-run');
  const keyPath = path.join(dir, 'lab.key.pem');
  const keys = await runCli(['keys', 'init', '--out', keyPath]);
  expect(keys.code).toBe(0);
  const config = writeBenchConfig(dir, addresses, { keyPath, weakCredentials: SECRET });
  runResult = await runCli(['run', config, '--out', path.join(dir, 'runs')], { timeoutMs: 90_000 });
  runDir = runDirFrom(runResult.stdout);
}, 120_000);

afterAll(async () => {
  await bench?.stop();
});

describe('trustlab run (loopback bench)', () => {
  it('exits with "failures found" and prints the summary and verify command', () => {
    expect(runResult.code, runResult.stderr).toBe(1);
    expect(runResult.stdout).toMatch(/Verify it:\s+trustlab verify /);
    expect(runResult.stdout).toMatch(/CTM-PT-04\s+weak tcp\/2323/);
  });

  it('reports what each device really exposes, judged against its declaration', () => {
    const report = readReport(runDir);
    const byId = Object.fromEntries(report.devices.map((d) => [d.id, d]));
    const verdict = (id: string, testId: string, port: number) => byId[id]!.results.find((r) => r.testId === testId && r.target?.port === port)?.status;
    // weak: telnet 2323 and MQTT 1883 are open and undeclared; ssh/http/https are declared.
    expect(verdict('weak', 'CTM-PT-01', 2323)).toBe('fail');
    expect(verdict('weak', 'CTM-PT-01', 1883)).toBe('fail');
    expect(verdict('weak', 'CTM-PT-01', 2222)).toBe('pass');
    expect(verdict('weak', 'CTM-PT-04', 2323)).toBe('fail');
    // hardened and mixed expose exactly what they declare, and no debug service.
    for (const id of ['hardened', 'mixed']) {
      expect(byId[id]!.results.filter((r) => r.status === 'fail')).toEqual([]);
      expect(byId[id]!.results.find((r) => r.testId === 'CTM-PT-04')?.status).toBe('pass');
    }
    expect(verdict('hardened', 'CTM-PT-01', 8883)).toBe('pass');
    // A port list is partial coverage: never a silent pass for CTM-PT-01.
    const coverage = byId.hardened!.results.find((r) => r.testId === 'CTM-PT-01' && !r.target);
    expect(coverage?.status).toBe('inconclusive');
    expect(report.summary.total).toBe(report.devices.reduce((n, d) => n + d.results.length, 0));
    expect(report.run.status).toBe('completed');
  });

  it('writes a run that verifies, with the given key and with the bundled one', async () => {
    const withKey = await runCli(['verify', runDir, '--key', path.join(dir, 'lab.key.pub.pem')]);
    expect(withKey.code, withKey.stderr).toBe(0);
    expect(withKey.stdout).toMatch(/^OK: .*the key you gave/);
    const bundled = await runCli(['verify', runDir]);
    expect(bundled.code).toBe(0);
  });

  it('rejects a copy with one byte flipped in any file, naming the file', async () => {
    const files = walk(runDir).map((f) => path.relative(runDir, f));
    expect(files).toContain(path.join('data', 'report.json'));
    expect(files).toContain('report.intoto.json');
    // Each file once: report, journal, an evidence file, the manifests, bag-info, the envelope.
    const picks = files.filter((f) => !f.startsWith(path.join('data', 'evidence')) || f === files.find((x) => x.startsWith(path.join('data', 'evidence'))));
    for (const rel of picks) {
      const copy = tempDir('tamper');
      cpSync(runDir, copy, { recursive: true });
      const target = path.join(copy, rel);
      const bytes = readFileSync(target);
      const at = Math.floor(bytes.length / 2);
      bytes[at] = bytes[at]! ^ 0x01;
      writeFileSync(target, bytes);
      const res = await runCli(['verify', copy]);
      expect(res.code, `flip in ${rel} must fail`).toBe(5);
      const name = rel === 'report.intoto.json' ? /report\.intoto\.json|signature|envelope/ : new RegExp(path.basename(rel).replace(/\./g, '\\.'));
      expect(res.stderr, `message must name ${rel}`).toMatch(name);
    }
  }, 120_000);

  it('never writes lab credentials or the private key into the run', () => {
    const privatePem = readFileSync(path.join(dir, 'lab.key.pem'), 'utf8');
    const privateBody = privatePem.split('\n')[1]!;
    for (const f of walk(runDir)) {
      const text = readFileSync(f, 'latin1');
      expect(text.includes(SECRET), `${f} holds the lab credential`).toBe(false);
      expect(text.includes(privateBody), `${f} holds the private key`).toBe(false);
    }
    expect(statSync(path.join(dir, 'lab.key.pem')).mode & 0o777).toBe(0o600);
  });
});
