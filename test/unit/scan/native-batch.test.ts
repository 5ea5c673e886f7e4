/**
 * The native backend's batches (connects on a pool thread): every attempt gets exactly one
 * outcome, an attempt given up while its batch was queued never reports and leaks no
 * descriptor, and timeouts count from when the batch ran.
 */
import { readdirSync } from 'node:fs';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BATCH_PORTS, nativeBackendIfAvailable } from '../../../harness/scan/native-backend.ts';
import type { ProbeRecord } from '../../../harness/scan/probe.ts';

const HOST = '127.91.7.1';
const backend = nativeBackendIfAvailable();
const server = net.createServer((s) => s.destroy());
let openPort = 0;

beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, HOST, resolve));
  openPort = (server.address() as net.AddressInfo).port;
});
afterAll(async () => {
  await new Promise((r) => server.close(r));
});

const fdCount = (): number => readdirSync('/proc/self/fd').length;

function records(ports: number[], outcomes: Map<number, number[]>): ProbeRecord[] {
  const owner = {
    onProbeDone(rec: ProbeRecord, status: number) {
      rec.done = true;
      outcomes.set(rec.port, [...(outcomes.get(rec.port) ?? []), status]);
    },
  };
  return ports.map((port) => ({ owner, port, attempt: 1, sentAt: performance.now(), sentIdle: 0, done: false, handle: undefined, release: undefined }));
}

const settle = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe.skipIf(!backend || process.env.TRUSTLAB_NATIVE_BATCH === '0')('native backend batches', () => {
  it('reports each attempt once: open through epoll, closed at once, and not before the batch ran', async () => {
    const before = fdCount();
    const outcomes = new Map<number, number[]>();
    const closedPorts = Array.from({ length: BATCH_PORTS * 2 + 5 }, (_, i) => 47100 + i);
    const recs = records([openPort, ...closedPorts], outcomes);
    for (const rec of recs) expect(backend!.start(rec, HOST, false)).toBe(0);
    // Queued, not yet sent: no timeout may count from the queueing.
    expect(recs.every((r) => r.sentAt === Infinity)).toBe(true);
    for (let i = 0; i < 100 && outcomes.size < recs.length; i++) await settle(10);
    expect(outcomes.get(openPort)).toEqual([0]);
    for (const p of closedPorts) expect(outcomes.get(p), String(p)).toEqual([-111]);
    expect(recs.every((r) => Number.isFinite(r.sentAt))).toBe(true);
    for (const rec of recs) backend!.close(rec);
    expect(fdCount()).toBe(before);
  });

  it('an attempt given up while its batch is queued never reports and leaves no descriptor open', async () => {
    const before = fdCount();
    const outcomes = new Map<number, number[]>();
    const recs = records([openPort, openPort, 47001, 47002], outcomes);
    for (const rec of recs) backend!.start(rec, HOST, false);
    // The engine's timeout or abort: done, then close, before the batch has run.
    for (const rec of recs.slice(0, 3)) {
      rec.done = true;
      backend!.close(rec);
    }
    for (let i = 0; i < 100 && !outcomes.has(47002); i++) await settle(10);
    await settle(30);
    expect([...outcomes.keys()]).toEqual([47002]);
    expect(fdCount()).toBe(before);
  });
});
