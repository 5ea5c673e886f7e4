import { X509Certificate } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startVirtualDevice, type VirtualDevice } from '../../../harness/virtual-bench/index.ts';
import { parsableKeyPair } from '../../../harness/virtual-bench/ssh-server.ts';
import { httpRequest, mqttConnect, sshLogin, sshOfferedMethods, tcpOpen, tlsHandshake } from './clients.ts';

const ADDRESS = '127.77.1.12';
let device: VirtualDevice;
const password = (service: string): string => device.credentials.find((c) => c.service === service)?.password ?? '';

beforeAll(async () => {
  device = await startVirtualDevice({ id: 'hardened-1', address: ADDRESS, profile: 'hardened' });
});
afterAll(async () => {
  await device?.stop();
});

describe('hardened profile: ssh', () => {
  it('offers publickey only', async () => {
    expect(await sshOfferedMethods(ADDRESS)).toEqual(['publickey']);
    expect((await sshLogin(ADDRESS, { username: 'admin', password: 'admin' })).ok).toBe(false);
  });

  it('accepts the lab key it trusts and nothing else', async () => {
    expect(device.sshClientKey).toMatch(/BEGIN OPENSSH PRIVATE KEY/);
    const ok = await sshLogin(ADDRESS, { username: 'root', privateKey: device.sshClientKey ?? '' }, 'id');
    expect(ok).toEqual({ ok: true, output: 'uid=0(root) gid=0(root)\n' });
    const other = parsableKeyPair('ed25519').private;
    expect((await sshLogin(ADDRESS, { username: 'root', privateKey: other })).ok).toBe(false);
  });
});

describe('hardened profile: tls', () => {
  it('refuses TLS 1.0 and 1.1 and negotiates TLS 1.2+', async () => {
    expect((await tlsHandshake(ADDRESS, 8443, { version: 'TLSv1' })).ok).toBe(false);
    expect((await tlsHandshake(ADDRESS, 8443, { version: 'TLSv1.1' })).ok).toBe(false);
    expect((await tlsHandshake(ADDRESS, 8443, { version: 'TLSv1.2' })).protocol).toBe('TLSv1.2');
    expect((await tlsHandshake(ADDRESS, 8443, {})).protocol).toBe('TLSv1.3');
  });

  it('presents a certificate that verifies against the lab CA for its address', async () => {
    expect(device.caPem).toMatch(/BEGIN CERTIFICATE/);
    const verified = await tlsHandshake(ADDRESS, 8443, { ca: device.caPem ?? '' });
    expect(verified).toMatchObject({ ok: true, authorized: true, authError: '' });
    const ca = new X509Certificate(device.caPem ?? '');
    expect(ca.ca).toBe(true);
    const unverified = await tlsHandshake(ADDRESS, 8443, {});
    expect(unverified.authorized).toBe(false);
  });
});

describe('hardened profile: web login', () => {
  it('logs in with the unique password over https with a hardened cookie', async () => {
    const res = await httpRequest(`https://${ADDRESS}:8443/login`, {
      method: 'POST', body: `user=admin&pass=${encodeURIComponent(password('https'))}`, ca: device.caPem ?? '',
    });
    expect(res.status).toBe(302);
    expect(res.headers['set-cookie']?.[0]).toMatch(/Secure; HttpOnly; SameSite=Strict/);
    expect(res.headers.server).toBeUndefined();
    expect(res.headers['strict-transport-security']).toBeDefined();
  });

  it('locks the account after 5 failures (429), even for the right password', async () => {
    const login = (pass: string): Promise<{ status: number; body: string }> =>
      httpRequest(`https://${ADDRESS}:8443/login`, { method: 'POST', body: `user=admin&pass=${encodeURIComponent(pass)}`, ca: device.caPem ?? '' });
    for (let i = 0; i < 5; i++) expect((await login(`guess${i}`)).status).toBe(401);
    const locked = await login(password('https'));
    expect(locked.status).toBe(429);
    expect(locked.body).toContain('locked');
  });
});

describe('hardened profile: mqtt and closed ports', () => {
  it('refuses MQTT without credentials and accepts the device password over TLS', async () => {
    const url = `mqtts://${ADDRESS}:8883`;
    const ca = device.caPem ?? '';
    expect(await mqttConnect(url, { ca })).toEqual({ ok: false, code: 5 });
    expect(await mqttConnect(url, { ca, username: 'device', password: 'admin' })).toEqual({ ok: false, code: 4 });
    expect(await mqttConnect(url, { ca, username: 'device', password: password('mqtts') })).toEqual({ ok: true });
  });

  it('has a unique random password and nothing else open', async () => {
    expect(password('mqtts')).toMatch(/^[A-Za-z0-9_-]{16}$/);
    for (const port of [2323, 8080, 1883]) expect(await tcpOpen(ADDRESS, port)).toBe(false);
    expect(device.services.map((s) => s.port)).toEqual([2222, 8443, 8883]);
  });
});
