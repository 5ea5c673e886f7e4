/**
 * A device whose profile cannot do a step gets inconclusive naming what is missing, never a
 * guess: no profile, the template profile (no capability), a profile that cannot set the
 * update source (its redirect note shown), no test-signing key, no update server address.
 * A profile without factory-reset still judges correctly (every case offers its own version),
 * an ECDSA P-256 manufacturer key works, and a wrong token is a profile fault, not a verdict.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBench, type Bench } from '../../../../harness/virtual-bench/index.ts';
import { benchUpdateSpec } from '../../../../harness/virtual-bench/update-client-spec.ts';
import { virtualBenchProfile } from '../../../../adapters/profiles/virtual-bench.ts';
import { templateProfile } from '../../../../adapters/profiles/template.ts';
import type { DeviceConfig } from '../../../../harness/model.ts';
import type { CheckResult, ProfilePlugin } from '../../../../harness/plugins/types.ts';
import updateChannel from '../../../../suites/update-mechanism/update-channel.ts';
import automaticUpdates from '../../../../suites/update-mechanism/automatic-updates.ts';
import offeredUpdates from '../../../../suites/update-mechanism/offered-updates.ts';
import { fakeContext, vendorKeys } from './fake-context.ts';

const SERVER = '127.96.4.1';
const ADDRESS = '127.96.4.11';
let bench: Bench;
let device: DeviceConfig;

beforeAll(async () => {
  const keys = vendorKeys('ec');
  device = {
    id: 'cap', address: ADDRESS, profile: 'virtual-bench',
    product: { manufacturer: 'Acme IoT', model: 'Cam', firmwareVersion: '1.0.0' },
    declared: { services: [], updates: { automatic: true, signingKey: keys.publicPem }, supportEndDate: '2030-01-01' },
    budget: { maxSockets: 64, attemptsPerSecond: 100 }, ports: { tcp: 'all', udp: 'none' },
    virtual: { profile: 'hardened' }, profileAccess: { token: 'cap-token' }, updateTest: { signingKey: keys.privatePath },
  };
  bench = await startBench([{ id: device.id, address: ADDRESS, profile: 'hardened', update: benchUpdateSpec(device) }]);
}, 30_000);
afterAll(async () => {
  await bench?.stop();
});

const all = async (d: DeviceConfig, profile: ProfilePlugin | undefined, server: string | undefined = SERVER): Promise<CheckResult[]> => {
  const { ctx } = fakeContext(d, profile, server);
  return [...(await updateChannel.run(ctx)), ...(await automaticUpdates.run(ctx)), ...(await offeredUpdates.run(ctx))];
};
const line = (rs: CheckResult[]): string[] => rs.map((r) => `${r.testId} ${r.status}: ${r.summary}`);

describe('update-mechanism with missing capabilities', () => {
  it('is inconclusive without a device profile', async () => {
    const rs = await all({ ...device, profile: undefined }, undefined);
    for (const r of rs.filter((x) => x.testId !== 'CTM-UP-06')) expect(r.status).toBe('inconclusive');
    expect(rs[0]!.summary).toMatch(/names no device profile/);
    // CTM-UP-06 still judges the declaration; the device side is only needed when automatic is declared.
    expect(rs.find((r) => r.testId === 'CTM-UP-06')!.summary).toMatch(/could not be checked on the device/);
  });

  it('names every capability the template profile lacks', async () => {
    const rs = await all({ ...device, profile: 'template' }, templateProfile);
    expect(rs.every((r) => r.status === 'inconclusive'), line(rs).join('\n')).toBe(true);
    expect(rs.find((r) => r.testId === 'CTM-UP-01')!.summary).toMatch(/"template" lacks capability read-update-settings/);
    expect(rs.find((r) => r.testId === 'CTM-UP-05')!.summary).toMatch(/lacks capability read-identity, set-update-source, trigger-update-check/);
  });

  it('shows how the lab network must redirect when the source cannot be set', async () => {
    const { setUpdateSource: _s, ...rest } = virtualBenchProfile;
    const profile: ProfilePlugin = { ...rest, capabilities: rest.capabilities.filter((c) => c !== 'set-update-source'), updateRedirect: 'DNS of updates.acme.invalid -> lab server' };
    const rs = await offeredUpdates.run(fakeContext(device, profile, SERVER).ctx);
    expect(rs.map((r) => r.status)).toEqual(['inconclusive', 'inconclusive', 'inconclusive', 'inconclusive']);
    expect(rs[0]!.summary).toMatch(/lacks capability set-update-source \(the profile says: DNS of updates\.acme\.invalid -> lab server\)/);
  });

  it('is inconclusive without the test-signing key or the update server address', async () => {
    const { updateTest: _u, ...noKey } = device;
    expect((await offeredUpdates.run(fakeContext(noKey, virtualBenchProfile, SERVER).ctx))[0]!.summary).toMatch(/updateTest\.signingKey/);
    expect((await offeredUpdates.run(fakeContext({ ...device, updateTest: { signingKey: '/nonexistent/key.pem' } }, virtualBenchProfile, SERVER).ctx))[0]!.summary).toMatch(/cannot be read: ENOENT/);
    expect((await offeredUpdates.run(fakeContext(device, virtualBenchProfile, undefined).ctx))[0]!.summary).toMatch(/network\.updateServer is not set/);
  });

  it('judges without factory-reset, with a P-256 manufacturer key', async () => {
    const { factoryReset: _f, ...rest } = virtualBenchProfile;
    const profile: ProfilePlugin = { ...rest, capabilities: rest.capabilities.filter((c) => c !== 'factory-reset') };
    const rs = await all(device, profile);
    expect(Object.fromEntries(rs.map((r) => [r.testId, r.status])), line(rs).join('\n')).toEqual({
      // No channel is declared, so the device's own source is undeclared.
      'CTM-UP-01': 'fail', 'CTM-UP-06': 'pass', 'CTM-UP-05': 'pass', 'CTM-UP-02': 'pass', 'CTM-UP-03': 'pass', 'CTM-UP-04': 'pass',
    });
    // Without a reset the device stays on what it installed: the control image.
    expect(bench.devices[0]!.updateClient!.firmwareVersion).toBe('1.0.1');
    bench.devices[0]!.updateClient!.factoryReset();
  });

  it('a refused token is a profile fault with its code, never a verdict', async () => {
    await expect(updateChannel.run(fakeContext({ ...device, profileAccess: { token: 'wrong' } }, virtualBenchProfile, SERVER).ctx)).rejects.toMatchObject({ code: 'TL_PROFILE' });
    await expect(updateChannel.run(fakeContext({ ...device, profileAccess: {} }, virtualBenchProfile, SERVER).ctx)).rejects.toMatchObject({ code: 'TL_PROFILE' });
  });
});
