/**
 * Black-box: a third-party plugin named in the lab config adds a suite (its check ids are
 * path-shaped and validated) and a report writer whose export lands in the signed bag.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Bench } from '../../harness/virtual-bench/index.ts';
import { readReport, runCli, runDirFrom, tempDir, writeBenchConfig, startTestBench } from './helpers.ts';

const addresses = { weak: '127.77.7.11', hardened: '127.77.7.12', mixed: '127.77.7.13' };
let bench: Bench;
let dir: string;

const PLUGIN = `
export default {
  name: 'acme-lab-extras',
  suites: [{
    apiVersion: 1, id: 'acme-identity', version: '0.1.0', title: 'Acme identity', after: ['open-ports'],
    checks: [{
      apiVersion: 1, id: 'acme-identity/firmware-declared', version: '0.1.0', title: 'firmware version declared',
      testIds: ['CTM-OT-04'], needs: [],
      appliesTo: (d) => (d.id === 'mixed' ? 'mixed hub has no identity endpoint' : true),
      run: async (ctx) => [{ testId: 'CTM-OT-04', status: ctx.device.product.firmwareVersion ? 'pass' : 'fail',
        summary: 'firmware ' + ctx.device.product.firmwareVersion + ' after ' + ctx.discovered().length + ' discovered service(s)' }],
    }],
  }],
  writers: [{ apiVersion: 1, id: 'counts-csv', version: '0.1.0', title: 'verdict counts', mediaType: 'text/csv', fileName: 'counts.csv',
    render: (r) => new TextEncoder().encode('device,fail\\n' + r.devices.map((d) => d.id + ',' + d.summary.fail).join('\\n') + '\\n') }],
};
`;

beforeAll(async () => {
  bench = await startTestBench(addresses);
  dir = tempDir('cli-plugin');
  writeFileSync(path.join(dir, 'acme-plugin.mjs'), PLUGIN);
}, 60_000);

afterAll(async () => {
  await bench?.stop();
});

describe('third-party plugins', () => {
  it('run their suite after the suites it names and sign their export', async () => {
    const keyPath = path.join(dir, 'lab.key.pem');
    expect((await runCli(['keys', 'init', '--out', keyPath])).code).toBe(0);
    const file = writeBenchConfig(dir, addresses, { keyPath, ports: '1883,2222,2323,8080,8443,8883' });
    writeFileSync(file, readFileSync(file, 'utf8').replace('suites: [open-ports]', 'suites: [acme-identity, open-ports]\nplugins: [./acme-plugin.mjs]'));
    const res = await runCli(['run', file, '--out', path.join(dir, 'runs')], { timeoutMs: 90_000 });
    expect(res.code, res.stderr).toBe(1);
    const runDir = runDirFrom(res.stdout);
    const report = readReport(runDir);
    const weak = report.devices.find((d) => d.id === 'weak')!;
    const ot = weak.results.find((r) => r.checkId === 'acme-identity/firmware-declared');
    // open-ports ran first: the plugin saw the discovered services.
    expect(ot?.status).toBe('pass');
    expect(ot?.summary).toMatch(/after [1-9]\d* discovered service/);
    expect(report.devices.find((d) => d.id === 'mixed')!.results.find((r) => r.testId === 'CTM-OT-04')?.status).toBe('not-applicable');
    expect(readFileSync(path.join(runDir, 'data', 'exports', 'counts.csv'), 'utf8')).toMatch(/^device,fail\nweak,[1-9]/);
    const statement = JSON.parse(Buffer.from(JSON.parse(readFileSync(path.join(runDir, 'report.intoto.json'), 'utf8')).payload, 'base64').toString()) as { subject: { name: string }[] };
    expect(statement.subject.map((s) => s.name)).toContain('data/exports/counts.csv');
    expect((await runCli(['verify', runDir])).code).toBe(0);
  }, 120_000);

  it('refuses a plugin whose check id is not its suite path', async () => {
    writeFileSync(path.join(dir, 'bad-plugin.mjs'), PLUGIN.replace("id: 'acme-identity/firmware-declared'", "id: 'other/firmware'"));
    const file = writeBenchConfig(dir, addresses, { keyPath: 'k.pem' });
    writeFileSync(file, `${readFileSync(file, 'utf8')}plugins: [./bad-plugin.mjs]\n`);
    const res = await runCli(['validate', file]);
    expect(res.code).toBe(3);
    expect(res.stderr).toMatch(/TL_PLUGIN_INVALID.*must start with "acme-identity\/"/);
    expect(existsSync(path.join(dir, 'runs-bad'))).toBe(false);
  });
});
