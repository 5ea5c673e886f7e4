/**
 * Black-box: `trustlab fuzz` finds the fragile device's planted MQTT bug, writes a crash file
 * and exits 1; `trustlab fuzz replay` takes a fresh fragile device down with it (original and
 * minimised) and leaves a robust broker standing (exit 0); usage errors exit 3.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBench, startVirtualDevice, type Bench } from '../../harness/virtual-bench/index.ts';
import { runCli, tempDir } from './helpers.ts';

const A = { fragile: '127.97.6.1', fresh: '127.97.6.2', weak: '127.97.6.3' };
let bench: Bench | undefined;

beforeAll(async () => {
  bench = await startBench([{ id: 'fragile', address: A.fragile, profile: 'fragile' }, { id: 'weak', address: A.weak, profile: 'weak' }]);
});
afterAll(async () => bench?.stop());

describe('trustlab fuzz', () => {
  it('finds a crash, saves it, and the saved case crashes a fresh fragile device on replay', async () => {
    const out = tempDir('fuzz');
    const res = await runCli(['fuzz', '--target', `mqtt://${A.fragile}:1883`, '--seed', '5', '--time', '20', '--out', out], { timeoutMs: 60_000 });
    expect(res.code, res.stdout + res.stderr).toBe(1);
    expect(res.stdout).toMatch(/cases\/s/);
    expect(res.stdout).toMatch(/CRASH reboot \(crash, back after \d+ ms\) case \d+: .*isolated, reproduced, minimised \d+ -> \d+ bytes/);
    const files = readdirSync(out).filter((f) => f.startsWith('crash-'));
    expect(files).toHaveLength(1);
    expect(existsSync(path.join(out, 'summary.json'))).toBe(true);
    const file = path.join(out, files[0]!);
    const saved = JSON.parse(readFileSync(file, 'utf8')) as { seed: number; index: number; kind: string };
    expect(files[0]).toBe(`crash-mqtt-seed5-case${saved.index}.json`);

    const fresh = await startVirtualDevice({ id: 'fresh', address: A.fresh, profile: 'fragile' });
    try {
      for (const extra of [[], ['--minimised']]) {
        const replay = await runCli(['fuzz', 'replay', file, '--target', `mqtt://${A.fresh}:1883`, ...extra], { timeoutMs: 30_000 });
        expect(replay.code, replay.stdout + replay.stderr).toBe(1);
        expect(replay.stdout).toMatch(/rebuilt from seed and index: identical\): CRASH reproduced: crash \(back after \d+ ms\)/);
      }
    } finally {
      await fresh.stop();
    }
    // The same bytes against a robust broker (aedes): it survives, exit 0.
    const robust = await runCli(['fuzz', 'replay', file, '--target', `mqtt://${A.weak}:1883`], { timeoutMs: 30_000 });
    expect(robust.code, robust.stdout + robust.stderr).toBe(0);
    expect(robust.stdout).toMatch(/device survived/);
  }, 120_000);

  it('refuses a missing or malformed target and a case file that is not one', async () => {
    expect((await runCli(['fuzz', '--seed', '1'])).code).toBe(3);
    const bad = await runCli(['fuzz', '--target', 'mqtt://broker.local:1883']);
    expect(bad.code).toBe(3);
    expect(bad.stderr).toMatch(/TL_USAGE.*not an IP address/);
    const notCase = await runCli(['fuzz', 'replay', path.join(tempDir('fuzzbad'), 'nope.json'), '--target', `mqtt://${A.weak}:1883`]);
    expect(notCase.code).toBe(3);
    expect(notCase.stderr).toMatch(/TL_FUZZ_CASE/);
  }, 30_000);
});
