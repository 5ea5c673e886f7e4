import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startVirtualDevice, type VirtualDevice } from '../../../harness/virtual-bench/index.ts';
import { httpRequest, mqttConnect, sshLogin, sshOfferedMethods, tcpOpen, tlsHandshake } from './clients.ts';

const ADDRESS = '127.77.1.13';
const OTHER = '127.77.1.14';
let device: VirtualDevice;
let sibling: VirtualDevice;
const password = (d: VirtualDevice, service: string): string => d.credentials.find((c) => c.service === service)?.password ?? '';
const basic = (user: string, pass: string): Record<string, string> =>
  ({ Authorization: `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}` });

beforeAll(async () => {
  [device, sibling] = await Promise.all([
    startVirtualDevice({ id: 'mixed-1', address: ADDRESS, profile: 'mixed' }),
    startVirtualDevice({ id: 'mixed-2', address: OTHER, profile: 'mixed' }),
  ]);
});
afterAll(async () => {
  await Promise.all([device?.stop(), sibling?.stop()]);
});

describe('mixed profile', () => {
  it('gives each device its own random password', () => {
    const mine = password(device, 'ssh');
    expect(mine).toMatch(/^[A-Za-z0-9_-]{16}$/);
    expect(password(sibling, 'ssh')).not.toBe(mine);
    expect(new Set(device.credentials.map((c) => c.password)).size).toBe(1);
  });

  it('accepts ssh password login only with the unique password', async () => {
    expect(await sshOfferedMethods(ADDRESS)).toEqual(['password']);
    expect((await sshLogin(ADDRESS, { username: 'admin', password: password(device, 'ssh') })).ok).toBe(true);
    expect((await sshLogin(ADDRESS, { username: 'admin', password: 'admin' })).ok).toBe(false);
    expect((await sshLogin(ADDRESS, { username: 'admin', password: password(sibling, 'ssh') })).ok).toBe(false);
  });

  it('serves the admin page over plaintext http with basic auth', async () => {
    const url = `http://${ADDRESS}:8080/admin`;
    expect((await httpRequest(url, { headers: basic('admin', password(device, 'http')) })).status).toBe(200);
    expect((await httpRequest(url, { headers: basic('admin', 'admin') })).status).toBe(401);
  });

  it('still allows TLS 1.0 on https, with a valid (not expired) self-signed certificate', async () => {
    const tls10 = await tlsHandshake(ADDRESS, 8443, { version: 'TLSv1' });
    expect(tls10).toMatchObject({ ok: true, protocol: 'TLSv1', authorized: false, bits: 2048 });
    expect(tls10.authError).toBe('DEPTH_ZERO_SELF_SIGNED_CERT');
    expect(new Date(tls10.validTo ?? '').getTime()).toBeGreaterThan(Date.now());
  });

  it('requires MQTT credentials (CONNACK 5 without, 0 with the device password)', async () => {
    const url = `mqtt://${ADDRESS}:1883`;
    expect(await mqttConnect(url)).toEqual({ ok: false, code: 5 });
    expect(await mqttConnect(url, { username: 'device', password: password(device, 'mqtt') })).toEqual({ ok: true });
  });

  it('keeps telnet, mqtts and coap closed', async () => {
    expect(await tcpOpen(ADDRESS, 2323)).toBe(false);
    expect(await tcpOpen(ADDRESS, 8883)).toBe(false);
    expect(device.services.map((s) => s.service)).toEqual(['ssh', 'http', 'https', 'mqtt']);
  });
});
