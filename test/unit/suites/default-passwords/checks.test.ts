/**
 * The five default-passwords checks run directly against the virtual bench (weak, hardened):
 * every planted default and anonymous access is a fail naming surface, username and password;
 * the hardened device gets no fail and no inconclusive (publickey-only SSH is not-applicable,
 * its lockouts count as protection); lab-recorded label passwords never reach a finding.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CheckResult } from '../../../../harness/plugins/types.ts';
import type { DeviceConfig, DiscoveredService } from '../../../../harness/model.ts';
import { startVirtualDevice, type VirtualDevice } from '../../../../harness/virtual-bench/index.ts';
import { fakeContext } from '../encryption/fake-context.ts';
import surfacesDeclared from '../../../../suites/default-passwords/surfaces-declared.ts';
import uniqueness from '../../../../suites/default-passwords/uniqueness.ts';
import defaultCredentials from '../../../../suites/default-passwords/default-credentials.ts';
import bruteForce from '../../../../suites/default-passwords/brute-force.ts';
import cleartext from '../../../../suites/default-passwords/cleartext.ts';

const WEAK = '127.94.3.11';
const HARD = '127.94.3.12';
const SCOPE = ['127.94.3.0/24'];
const tcp = (port: number, service: string): DiscoveredService => ({ transport: 'tcp', port, state: 'open', service, identifiedBy: 'banner' });
const CHECKS = [surfacesDeclared, uniqueness, defaultCredentials, bruteForce, cleartext];
let weak: VirtualDevice;
let hard: VirtualDevice;

async function runAll(device: Pick<DeviceConfig, 'id' | 'address'> & Partial<DeviceConfig>, discovered: DiscoveredService[]): Promise<{ results: CheckResult[]; evidence: Map<string, string> }> {
  const { ctx, evidence } = fakeContext({ budget: { maxSockets: 16, attemptsPerSecond: 400 }, ...device }, discovered, SCOPE);
  const results: CheckResult[] = [];
  for (const c of CHECKS) results.push(...await c.run(ctx));
  return { results, evidence };
}

beforeAll(async () => {
  [weak, hard] = await Promise.all([
    startVirtualDevice({ id: 'dp-weak', address: WEAK, profile: 'weak', serial: 'ACME-CAM-0001' }),
    startVirtualDevice({ id: 'dp-hard', address: HARD, profile: 'hardened', serial: 'ACME-PLUG-0042' }),
  ]);
});
afterAll(async () => {
  await Promise.all([weak?.stop(), hard?.stop()]);
});

describe('default-passwords checks on the virtual bench', () => {
  it('weak: every planted default and anonymous access fails with surface, username and password', async () => {
    const { results, evidence } = await runAll(
      { id: 'dp-weak', address: WEAK, product: { manufacturer: 'Acme', model: 'Cam', serial: 'ACME-CAM-0001' }, declared: { services: [{ port: 2222, transport: 'tcp', service: 'ssh', auth: 'password' }] } },
      [tcp(2222, 'ssh'), tcp(2323, 'telnet'), tcp(8080, 'http'), tcp(1883, 'mqtt'), tcp(2121, 'ftp'), { ...tcp(8554, 'unknown'), identifiedBy: undefined }],
    );
    const dp02 = results.filter((r) => r.testId === 'CTM-DP-02' && r.status === 'fail').map((r) => `${r.target?.port} ${r.data?.anonymous ? 'anonymous' : `${String(r.data?.username)}/${String(r.data?.password)}`}`);
    expect(dp02.sort()).toEqual(['1883 anonymous', '2121 anonymous', '2222 admin/admin', '2323 root/xc3511', '5683 anonymous', '8080 admin/admin', '8080 admin/admin', '8554 admin/admin'].sort());
    const undeclared = results.filter((r) => r.testId === 'CTM-DP-01' && r.status === 'fail').map((r) => r.target?.port);
    expect(new Set(undeclared)).toEqual(new Set([2323, 8080, 1883, 2121, 8554, 5683]));
    expect(results.filter((r) => r.testId === 'CTM-DP-06' && r.target?.port === 2222)[0]!.status).toBe('fail');
    expect(results.filter((r) => r.testId === 'CTM-DP-07' && r.status === 'fail').map((r) => r.target?.port).sort()).toEqual([2121, 2323, 8080, 8080]);
    expect([...evidence.keys()].some((k) => k.endsWith('-accepted.png'))).toBe(true);
    expect(results.some((r) => r.status === 'inconclusive')).toBe(false);
  }, 60_000);

  it('hardened: no fail, no inconclusive; absent password logins are not-applicable; label passwords stay secret', async () => {
    const secret = 'S3cr3t-label-pw!';
    const { results, evidence } = await runAll(
      {
        id: 'dp-hard', address: HARD, product: { manufacturer: 'Acme', model: 'Plug', serial: 'ACME-PLUG-0042' },
        declared: { services: [{ port: 2222, transport: 'tcp', service: 'ssh', auth: 'key' }, { port: 8443, transport: 'tcp', service: 'https', auth: 'password' }, { port: 8883, transport: 'tcp', service: 'mqtts', auth: 'password' }], passwords: 'unique-per-device' },
        label: { password: secret }, samples: [{ id: 'unit-2', address: '127.94.3.99', password: 'Other-unit-pw-7' }],
      },
      [tcp(2222, 'ssh'), tcp(8443, 'https'), tcp(8883, 'mqtts')],
    );
    const bad = results.filter((r) => r.status === 'fail' || r.status === 'inconclusive');
    expect(bad.map((r) => r.summary)).toEqual([]);
    expect(results.find((r) => r.testId === 'CTM-DP-02' && r.target?.port === 2222)?.status).toBe('not-applicable');
    expect(results.filter((r) => r.testId === 'CTM-DP-06').map((r) => r.status)).toEqual(['pass', 'pass']);
    expect(results.find((r) => r.testId === 'CTM-DP-03' && r.target === undefined)?.status).toBe('pass');
    expect(JSON.stringify(results) + [...evidence.values()].join('')).not.toContain(secret);
  }, 60_000);
});
