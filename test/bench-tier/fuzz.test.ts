/**
 * The real-daemon tier for the fuzzer: mosquitto and libcoap's coap-server, the brokers and
 * CoAP stacks real firmware ships, take a bounded number of fuzz cases each from the CLI run
 * inside the bench's namespace. Neither may be reported as crashed, and both must still answer
 * afterwards (checked by the bench's own readiness probe, independent of the fuzzer).
 */
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { netnsSupport } from '../../harness/netns/namespace.ts';
import { runInBench, startRealDaemonBench, type RealBench } from './daemons.ts';
import { waitReady } from './readiness.ts';

const support = netnsSupport();
const cli = fileURLToPath(new URL('../../bin/trustlab', import.meta.url));
const CASES = 20_000;

describe.skipIf(!support.ok)(`fuzzing real daemons (${support.ok ? 'root' : support.reason})`, () => {
  let bench: RealBench | undefined;
  let out = '';
  beforeAll(async () => {
    bench = await startRealDaemonBench();
    out = mkdtempSync(path.join(tmpdir(), 'tl-fuzz-'));
  });
  afterAll(async () => {
    await bench?.stop();
    if (out) rmSync(out, { recursive: true, force: true });
  });

  it.each([
    ['mosquitto', 'mqtt://127.88.0.12:1883'],
    ['coap-server', 'coap://127.88.0.15:5683'],
  ])('%s survives %s fuzz cases with no crash reported', async (_name, target) => {
    const dir = path.join(out, _name);
    const res = await runInBench(bench!, [cli, 'fuzz', '--target', target, '--seed', '1', '--cases', String(CASES), '--time', '60', '--out', dir], { timeoutMs: 120_000 });
    expect(res.code, res.stdout + res.stderr).toBe(0);
    expect(res.stdout).toMatch(/no crash, hang or reboot; device alive at the end/);
    expect(readdirSync(dir).filter((f) => f.includes('crash'))).toEqual([]);
    const summary = JSON.parse(readFileSync(path.join(dir, 'summary.json'), 'utf8')) as { casesRun: number; casesPerSecond: number; crashes: unknown[]; aliveAtEnd: boolean; unconfirmed: number };
    expect(summary).toMatchObject({ crashes: [], aliveAtEnd: true });
    expect(summary.casesRun).toBeGreaterThan(1000);
    const notReady = await waitReady(bench!.ns, { tcp: [{ host: '127.88.0.12', port: 1883 }], coap: [{ host: '127.88.0.15', port: 5683 }] }, 5000);
    expect(notReady).toEqual({ tcp: [], coap: [] });
  }, 150_000);
});
