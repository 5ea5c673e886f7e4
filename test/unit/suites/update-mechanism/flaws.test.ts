/**
 * The update-mechanism checks against real bench devices driven through the virtual-bench
 * profile and the real update server: the sound client passes CTM-UP-01..06, and each flawed
 * client fails exactly the test case meant for its flaw and passes every other one. The
 * evidence names every request each device made.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBench, type Bench } from '../../../../harness/virtual-bench/index.ts';
import { benchUpdateSpec } from '../../../../harness/virtual-bench/update-client-spec.ts';
import { virtualBenchProfile } from '../../../../adapters/profiles/virtual-bench.ts';
import type { DeviceConfig } from '../../../../harness/model.ts';
import type { CheckResult } from '../../../../harness/plugins/types.ts';
import updateChannel from '../../../../suites/update-mechanism/update-channel.ts';
import automaticUpdates from '../../../../suites/update-mechanism/automatic-updates.ts';
import offeredUpdates from '../../../../suites/update-mechanism/offered-updates.ts';
import { fakeContext, vendorKeys, type VendorKeys } from './fake-context.ts';

const KINDS = ['sound', 'skips-signature', 'accepts-any-certificate', 'accepts-downgrade', 'falls-back-to-http'] as const;
const FAILS: Record<(typeof KINDS)[number], string[]> = {
  sound: [],
  'skips-signature': ['CTM-UP-03'],
  'accepts-any-certificate': ['CTM-UP-02'],
  'accepts-downgrade': ['CTM-UP-04'],
  'falls-back-to-http': ['CTM-UP-02'],
};
const SERVER = '127.96.1.1';
let keys: VendorKeys;
let bench: Bench;
const devices = new Map<string, DeviceConfig>();

function deviceConfig(kind: (typeof KINDS)[number], i: number): DeviceConfig {
  return {
    id: `up-${kind}`, address: `127.96.1.${11 + i}`, profile: 'virtual-bench',
    product: { manufacturer: 'Acme IoT', model: 'PlugPro', firmwareVersion: '3.2.1' },
    declared: { services: [], updates: { automatic: true, channel: 'https://updates.acme.invalid/plugpro/manifest.json', signingKey: keys.publicPem }, supportEndDate: '2031-06-30' },
    budget: { maxSockets: 64, attemptsPerSecond: 100 }, ports: { tcp: 'all', udp: 'none' },
    virtual: { profile: 'hardened', updateClient: kind }, profileAccess: { token: `token-${i}-secret` }, updateTest: { signingKey: keys.privatePath },
  };
}

beforeAll(async () => {
  keys = vendorKeys();
  KINDS.forEach((k, i) => devices.set(k, deviceConfig(k, i)));
  bench = await startBench([...devices.values()].map((d) => ({ id: d.id, address: d.address, profile: 'hardened' as const, update: benchUpdateSpec(d) })));
}, 30_000);
afterAll(async () => {
  await bench?.stop();
});

const byTest = (rs: CheckResult[]): Record<string, string> => Object.fromEntries(rs.map((r) => [r.testId, r.status]));

describe('update-mechanism against each update client', () => {
  it.each(KINDS)('%s client fails exactly its case', async (kind) => {
    const d = devices.get(kind)!;
    const run = fakeContext(d, virtualBenchProfile, SERVER);
    const results = [
      ...(await updateChannel.run(run.ctx)), ...(await automaticUpdates.run(run.ctx)), ...(await offeredUpdates.run(run.ctx)),
    ];
    const verdicts = byTest(results);
    const expected = Object.fromEntries(['CTM-UP-01', 'CTM-UP-06', 'CTM-UP-02', 'CTM-UP-03', 'CTM-UP-04', 'CTM-UP-05'].map((t) => [t, FAILS[kind].includes(t) ? 'fail' : 'pass']));
    expect(verdicts, results.map((r) => `${r.testId} ${r.status}: ${r.summary}`).join('\n')).toEqual(expected);
    // The device is back on its factory image afterwards.
    expect(bench.devices.find((x) => x.id === d.id)!.updateClient!.firmwareVersion).toBe('3.2.1');

    const log = JSON.parse(run.evidence.get('update-server-log.json')!) as { cases: { caseId: string; requests: { event: string; path?: string; channel: string; transport: string }[] }[] };
    const requests = (id: string): string[] => log.cases.find((c) => c.caseId === id)!.requests.filter((r) => r.event === 'request').map((r) => `${r.transport} ${r.channel} ${r.path}`);
    expect(requests('valid-newer').map((r) => r.replace(/^tls https /, ''))).toEqual(['/valid-newer/manifest.json', '/valid-newer/image.bin']);
    if (kind === 'falls-back-to-http') {
      expect(requests('self-signed-certificate')).toEqual(['plain https-self-signed /self-signed-certificate/manifest.json', 'plain https-self-signed /self-signed-certificate/image.bin']);
      expect(requests('plain-http')).toHaveLength(2);
    } else if (kind === 'accepts-any-certificate') {
      expect(requests('expired-certificate')).toEqual(['tls https-expired /expired-certificate/manifest.json', 'tls https-expired /expired-certificate/image.bin']);
    } else {
      // Refused before any request: the TLS handshake failed, and plain HTTP is never tried.
      expect(requests('wrong-host-certificate')).toEqual([]);
      expect(log.cases.find((c) => c.caseId === 'wrong-host-certificate')!.requests.map((r) => r.event)).toContain('tls-refused');
      expect(requests('plain-http')).toEqual([]);
    }
    // The lab's secrets never reach the evidence or the results.
    const text = JSON.stringify(results) + [...run.evidence.values()].join('');
    expect(text).not.toContain(d.profileAccess!.token!);
    expect(text).not.toContain('PRIVATE KEY');
  }, 30_000);
});
