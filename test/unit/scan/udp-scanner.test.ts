/**
 * The UDP scanner against real sockets on loopback (127.91.1.x): a node-coap server answers
 * (open), a port with no socket makes the kernel send ICMP port unreachable (closed), a
 * listener that never answers stays open|filtered, and a server that answers from another
 * port (as TFTP does) is still seen.
 */
import dgram from 'node:dgram';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import coap from 'coap';
import { scanUdp, UDP_ATTEMPTS } from '../../../harness/scan/udp-scanner.ts';
import type { UdpPortResult } from '../../../harness/scan/udp-types.ts';
import { createBudgetGate } from '../../../harness/scheduler/budget.ts';
import { createScopeGuard } from '../../../harness/scope/guard.ts';

const ADDR = '127.91.1.1';
const guard = createScopeGuard(['127.91.1.0/24']);
const sockets: dgram.Socket[] = [];
let coapServer: ReturnType<typeof coap.createServer>;
let silentProbes = 0;

function bind(port: number, onMessage?: (msg: Buffer, rinfo: dgram.RemoteInfo) => void): Promise<dgram.Socket> {
  const s = dgram.createSocket('udp4');
  sockets.push(s);
  if (onMessage) s.on('message', onMessage);
  return new Promise((resolve) => s.bind(port, ADDR, () => resolve(s)));
}

beforeAll(async () => {
  coapServer = coap.createServer({ type: 'udp4' });
  coapServer.on('request', (req: { url: string }, res: { setOption(n: string, v: string): void; end(b?: string): void }) => {
    res.setOption('Content-Format', 'application/link-format');
    res.end(req.url === '/.well-known/core' ? '</light>;rt="light"' : '');
  });
  await new Promise<void>((resolve) => coapServer.listen(5683, ADDR, () => resolve()));
  await bind(5353, () => silentProbes++);
  // TFTP answers from a fresh port (its TID), never from 69.
  const reply = await bind(0);
  await bind(69, (_m, r) => reply.send(Buffer.from([0, 5, 0, 1, 0x6e, 0x6f, 0]), r.port, r.address));
}, 10_000);

afterAll(async () => {
  for (const s of sockets) s.close();
  await new Promise<void>((resolve) => coapServer.close(() => resolve()));
});

describe('UDP scanner on loopback', () => {
  it('tells open (CoAP answers), closed (ICMP) and open|filtered (silence) apart', async () => {
    const budget = createBudgetGate({ maxSockets: 8, attemptsPerSecond: 10 });
    const streamed: UdpPortResult[] = [];
    const r = await scanUdp({ address: ADDR, ports: [5683, 5353, 69, 161, 123, 40001], guard, budget, onResult: (x) => streamed.push(x) });
    const byPort = new Map(r.notClosed.map((x) => [x.port, x]));
    expect(byPort.get(5683)).toMatchObject({ state: 'open', service: 'coap', identifiedBy: 'probe' });
    expect(byPort.get(5683)!.reply).toContain('</light>');
    expect(byPort.get(69)).toMatchObject({ state: 'open', service: 'tftp', identifiedBy: 'probe' });
    expect(byPort.get(5353)).toMatchObject({ state: 'open|filtered', service: 'mdns', identifiedBy: 'port', attempts: UDP_ATTEMPTS });
    expect(r.counts).toEqual({ open: 2, closed: 3, 'open|filtered': 1 });
    expect(r.total).toBe(6);
    expect(streamed.map((x) => x.port).sort((a, b) => a - b)).toEqual([69, 123, 161, 5353, 5683, 40001]);
    expect(streamed.find((x) => x.port === 161)).toMatchObject({ state: 'closed', attempts: 1 });
    // The silent listener got every attempt, each a fresh request.
    expect(silentProbes).toBeGreaterThanOrEqual(UDP_ATTEMPTS);
    expect(budget.inFlight()).toBe(0);
  });

  it('keeps the ports in flight within the device budget', async () => {
    const budget = createBudgetGate({ maxSockets: 2, attemptsPerSecond: 10 });
    const ports = Array.from({ length: 30 }, (_, i) => 41000 + i);
    const r = await scanUdp({ address: ADDR, ports, guard, budget, maxParallel: 64 });
    expect(budget.peakInFlight()).toBeLessThanOrEqual(2);
    expect(r.counts.closed).toBe(30);
    expect(r.method.peakParallel).toBeLessThanOrEqual(2);
  });

  it('refuses an address outside the scope before any packet', async () => {
    const budget = createBudgetGate({ maxSockets: 2, attemptsPerSecond: 10 });
    await expect(scanUdp({ address: '127.91.2.1', ports: [53], guard, budget })).rejects.toMatchObject({ code: 'TL_SCOPE_VIOLATION' });
  });

  it('stops on abort and releases every slot', async () => {
    const budget = createBudgetGate({ maxSockets: 4, attemptsPerSecond: 10 });
    const ac = new AbortController();
    const scan = scanUdp({ address: ADDR, ports: [5353], guard, budget, signal: ac.signal });
    setTimeout(() => ac.abort(new Error('stop')), 50);
    await expect(scan).rejects.toThrow('stop');
    expect(budget.inFlight()).toBe(0);
  });
});
