/**
 * `trustlab bench up` with a config that names network.namespace creates the namespace and
 * runs the virtual bench inside it; `trustlab run` re-executes itself inside the same
 * namespace and scans every TCP port; `bench down` stops the bench and deletes the namespace.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { netnsSupport } from '../../harness/netns/namespace.ts';
import { runCli, tempDir, writeBenchConfig } from '../cli/helpers.ts';

const support = netnsSupport();
const NS = `tl-clibench-${process.pid}`;
const nsExists = (): boolean => spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' }).stdout.split('\n').some((l) => l.split(' ')[0] === NS);

describe.skipIf(!support.ok)('bench up + run inside network.namespace', () => {
  const dir = tempDir('bench-netns');
  const a = { weak: '127.77.9.11', hardened: '127.77.9.12', mixed: '127.77.9.13' };
  const cfg = writeBenchConfig(dir, a, { keyPath: path.join(dir, 'lab.key.pem'), ports: 'all' });
  writeFileSync(cfg, readFileSync(cfg, 'utf8').replace('network:\n  scope: [127.77.0.0/16]', `network:\n  scope: [127.77.0.0/16]\n  namespace: ${NS}`));

  afterAll(async () => {
    await runCli(['bench', 'down', cfg]);
    // Only our own namespace, by its unique name.
    if (nsExists()) spawnSync('ip', ['netns', 'del', NS]);
  });

  it('scans the full range inside the namespace and cleans up after itself', async () => {
    expect((await runCli(['keys', 'init', '--out', path.join(dir, 'lab.key.pem')])).code).toBe(0);
    const up = await runCli(['bench', 'up', cfg], { timeoutMs: 40_000 });
    expect(up.code, up.stderr).toBe(0);
    expect(nsExists()).toBe(true);
    const run = await runCli(['run', cfg, '--out', path.join(dir, 'runs')], { timeoutMs: 150_000 });
    expect(run.code, `${run.stdout}\n${run.stderr}`).toBe(1);
    const runDir = path.resolve(dir, /Signed run: (\S+)/.exec(run.stdout)![1]!.replace(/^.*?(runs\/)/, 'runs/'));
    const report = JSON.parse(readFileSync(path.join(runDir, 'data', 'report.json'), 'utf8'));
    expect(report.run.environment.namespace).toBe(NS);
    const weak = report.devices.find((d: { id: string }) => d.id === 'weak');
    expect(weak.results.find((r: { testId: string; target?: unknown }) => r.testId === 'CTM-PT-01' && !r.target).status).toBe('pass');
    expect(weak.discovered.scanned.counts.closed).toBe(65535 - weak.discovered.services.filter((s: { transport: string }) => s.transport === 'tcp').length);
    const down = await runCli(['bench', 'down', cfg], { timeoutMs: 20_000 });
    expect(down.code, down.stderr).toBe(0);
    expect(nsExists()).toBe(false);
  }, 200_000);
});
