import dgram from 'node:dgram';
import net from 'node:net';
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { TrustlabError } from '../../../harness/errors.ts';
import { BENCH_PROFILES, startBench, startVirtualDevice } from '../../../harness/virtual-bench/index.ts';
import { RawSession, coapRequest, httpRequest, mqttConnect, tcpOpen } from './clients.ts';

const SPECS = [
  { id: 'bench-weak', address: '127.77.1.21', profile: 'weak' as const },
  { id: 'bench-hardened', address: '127.77.1.22', profile: 'hardened' as const },
  { id: 'bench-mixed', address: '127.77.1.23', profile: 'mixed' as const },
];

function udpFree(address: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = dgram.createSocket({ type: 'udp4', reuseAddr: false });
    socket.once('error', () => { socket.close(); resolve(false); });
    socket.bind({ address, port }, () => socket.close(() => resolve(true)));
  });
}

async function expectBenchError(promise: Promise<unknown>, ...fragments: string[]): Promise<void> {
  const err: unknown = await promise.then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(TrustlabError);
  expect((err as TrustlabError).code).toBe('TL_BENCH');
  for (const f of fragments) expect((err as TrustlabError).message).toContain(f);
}

describe('bench lifecycle', () => {
  it('starts a 3-device bench, stops it under a second with clients attached, and frees every port', async () => {
    const bench = await startBench(SPECS);
    expect(bench.devices.map((d) => d.profile)).toEqual(['weak', 'hardened', 'mixed']);
    for (const d of bench.devices) {
      for (const s of d.services.filter((x) => x.transport === 'tcp')) expect(await tcpOpen(d.address, s.port)).toBe(true);
    }
    // Idle clients left connected must not delay the stop.
    const idle = await Promise.all([
      RawSession.open('127.77.1.21', 2323), RawSession.open('127.77.1.22', 2222), RawSession.open('127.77.1.23', 8080),
    ]);
    const started = Date.now();
    await bench.stop();
    expect(Date.now() - started).toBeLessThan(1000);
    await bench.stop(); // idempotent
    for (const s of idle) expect(await s.waitClosed(500)).toBe(true);
    for (const d of bench.devices) {
      for (const s of d.services) {
        if (s.transport === 'tcp') expect(await tcpOpen(d.address, s.port)).toBe(false);
        else expect(await udpFree(d.address, s.port)).toBe(true);
      }
    }
    // The addresses are reusable at once by a fresh bench.
    const again = await startBench(SPECS);
    await again.stop();
  });

  it('rejects with TL_BENCH naming the service and port on EADDRINUSE, leaving nothing bound', async () => {
    const blocker = net.createServer();
    await new Promise<void>((resolve) => blocker.listen(8080, '127.77.1.25', resolve));
    try {
      await expectBenchError(startVirtualDevice({ id: 'clash', address: '127.77.1.25', profile: 'weak' }), 'http', '127.77.1.25:8080', 'EADDRINUSE');
      // ssh and telnet started before http and must have been stopped again.
      expect(await tcpOpen('127.77.1.25', 2222)).toBe(false);
      expect(await tcpOpen('127.77.1.25', 2323)).toBe(false);
    } finally {
      await new Promise((resolve) => blocker.close(resolve));
    }
  });

  it('reports a UDP clash on the coap port', async () => {
    const blocker = dgram.createSocket({ type: 'udp4', reuseAddr: false });
    await new Promise<void>((resolve) => blocker.bind({ address: '127.77.1.26', port: 5683 }, resolve));
    try {
      await expectBenchError(startVirtualDevice({ id: 'udp-clash', address: '127.77.1.26', profile: 'weak' }), 'coap', '5683/udp');
      expect(await tcpOpen('127.77.1.26', 1883)).toBe(false);
    } finally {
      blocker.close();
    }
  });

  it('stops the devices already started when one device of a bench fails', async () => {
    const blocker = net.createServer();
    await new Promise<void>((resolve) => blocker.listen(2222, '127.77.1.28', resolve));
    try {
      await expectBenchError(startBench([
        { id: 'ok', address: '127.77.1.27', profile: 'mixed' },
        { id: 'blocked', address: '127.77.1.28', profile: 'hardened' },
      ]), 'blocked', 'ssh', '2222');
      expect(await tcpOpen('127.77.1.27', 2222)).toBe(false);
      expect(await tcpOpen('127.77.1.27', 8080)).toBe(false);
    } finally {
      await new Promise((resolve) => blocker.close(resolve));
    }
  });

  it('refuses non-loopback addresses, duplicate addresses and unknown profiles before binding', async () => {
    await expectBenchError(startVirtualDevice({ id: 'lan', address: '192.168.1.10', profile: 'weak' }), '127.0.0.0/8');
    await expectBenchError(startVirtualDevice({ id: 'any', address: '0.0.0.0', profile: 'weak' }), '127.0.0.0/8');
    await expectBenchError(startBench([
      { id: 'a', address: '127.77.1.29', profile: 'weak' }, { id: 'b', address: '127.77.1.29', profile: 'mixed' },
    ]), 'used by two');
    await expectBenchError(startVirtualDevice({ id: 'x', address: '127.77.1.29', profile: 'brittle' as 'weak' }), 'unknown profile');
    expect(await tcpOpen('127.77.1.29', 2222)).toBe(false);
  });

  it('survives garbage on every port and keeps serving', async () => {
    const device = await startVirtualDevice({ id: 'fuzzed', address: '127.77.1.30', profile: 'weak' });
    try {
      const garbage = [randomBytes(4096), Buffer.from([255, 250, 255, 255, 0, 13, 10]), Buffer.from('\x10\xff\xff\xff\xff\x7f')];
      for (const s of device.services.filter((x) => x.transport === 'tcp')) {
        for (const g of garbage) {
          const raw = await RawSession.open(device.address, s.port);
          raw.send(g);
          await raw.waitClosed(150);
          raw.close();
        }
      }
      const udp = dgram.createSocket('udp4');
      await new Promise<void>((resolve) => udp.bind(0, '127.0.0.1', resolve));
      for (const g of garbage) udp.send(g, 5683, device.address);
      udp.send(Buffer.from([0x40, 0x01, 0x00, 0x01, 0xbb]), 5683, device.address); // truncated option
      await new Promise((r) => setTimeout(r, 100));
      udp.close();
      const admin = await httpRequest(`http://${device.address}:8080/admin`, { headers: { Authorization: 'Basic !!!' } });
      expect(admin.status).toBe(401);
      expect(await mqttConnect(`mqtt://${device.address}:1883`)).toEqual({ ok: true });
      expect((await coapRequest(device.address, '/.well-known/core')).code).toBe('2.05');
    } finally {
      await device.stop();
    }
  });

  it('documents the port list of each profile', () => {
    expect(BENCH_PROFILES.weak.services.map((s) => s.port)).toEqual([2222, 2323, 8080, 8443, 1883, 5683, 2121, 8554]);
    expect(BENCH_PROFILES.hardened.services.map((s) => s.port)).toEqual([2222, 8443, 8883]);
    expect(BENCH_PROFILES.mixed.services.map((s) => s.port)).toEqual([2222, 8080, 8443, 1883]);
    for (const p of Object.values(BENCH_PROFILES)) expect(p.description.length).toBeGreaterThan(40);
  });
});
