/**
 * Black-box: `trustlab demo --no-netns` (the loopback demo) completes, prints its summary and
 * a verify command that works; `trustlab bench up|down` starts and stops a background bench.
 */
import { readdirSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readReport, root, runCli, tempDir, writeBenchConfig } from './helpers.ts';

function connects(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect({ host, port });
    s.once('connect', () => (s.destroy(), resolve(true)));
    s.once('error', () => resolve(false));
  });
}

describe('trustlab demo (loopback)', () => {
  it('runs every suite on the virtual bench and writes a run that verifies', async () => {
    const out = tempDir('demo');
    const res = await runCli(['demo', '--no-netns', '--out', out], { timeoutMs: 120_000 });
    expect(res.code, res.stderr).toBe(0);
    expect(res.stdout).toMatch(/loopback bench, ports 21-23,80,443/);
    expect(res.stdout).toMatch(/cam-weak\s+\d+\s+[1-9]/);
    const verifyCmd = /Verify it:\s+trustlab verify (\S+) --key (\S+)/.exec(res.stdout)!;
    const verify = await runCli(['verify', path.resolve(root, verifyCmd[1]!), '--key', path.resolve(root, verifyCmd[2]!)]);
    expect(verify.code, verify.stderr).toBe(0);
    const runDir = path.join(out, readdirSync(out).find((d) => d.startsWith('run-'))!);
    const report = readReport(runDir);
    expect(report.run.environment).toMatchObject({ tcpPortsOverride: expect.stringContaining('2323') });
    expect(report.devices.map((d) => d.id)).toEqual(['cam-weak', 'plug-hardened', 'hub-mixed']);
  }, 150_000);
});

describe('trustlab bench up|down (loopback)', () => {
  it('starts the config\'s virtual devices in the background and stops them', async () => {
    const dir = tempDir('benchcli');
    const a = { weak: '127.77.8.11', hardened: '127.77.8.12', mixed: '127.77.8.13' };
    const cfg = writeBenchConfig(dir, a, { keyPath: 'k.pem' });
    const up = await runCli(['bench', 'up', cfg], { timeoutMs: 40_000 });
    try {
      expect(up.code, up.stderr).toBe(0);
      expect(up.stdout).toMatch(/bench up \(pid \d+\)/);
      expect(await connects(a.weak, 2323)).toBe(true);
      expect(await connects(a.hardened, 8883)).toBe(true);
      const again = await runCli(['bench', 'up', cfg]);
      expect(again.code).toBe(4);
      expect(again.stderr).toMatch(/already up/);
    } finally {
      const down = await runCli(['bench', 'down', cfg], { timeoutMs: 20_000 });
      expect(down.code, down.stderr).toBe(0);
    }
    expect(await connects(a.weak, 2323)).toBe(false);
  }, 60_000);
});
