import { describe, expect, it } from 'vitest';
import { FD_RESERVE, MIN_SOCKET_CAP, openFdCount, readFdLimits, socketCapacity } from '../../../harness/scan/fd-limit.ts';
import { ScanEngine } from '../../../harness/scan/engine.ts';
import { parsePortList } from '../../../harness/scan/ports.ts';
import { scanOrder, TOP_TCP_PORTS } from '../../../harness/scan/top-ports.ts';

describe('scanOrder', () => {
  const all = parsePortList('all');

  it('is a permutation of the ports asked for, well-known ports first', () => {
    const { order, topCount } = scanOrder(all, 5);
    expect(order.length).toBe(65535);
    expect(new Set(order).size).toBe(65535);
    expect(topCount).toBe(TOP_TCP_PORTS.length);
    expect(new Set(order.slice(0, topCount))).toEqual(new Set(TOP_TCP_PORTS));
  });

  it('is randomised: no sequential sweep, reproducible from the seed, different across seeds', () => {
    const a = scanOrder(all, 5).order;
    expect(scanOrder(all, 5).order).toEqual(a);
    expect(scanOrder(all, 6).order).not.toEqual(a);
    const rest = a.slice(TOP_TCP_PORTS.length);
    const ascending = rest.filter((p, i) => i > 0 && p === rest[i - 1]! + 1).length;
    expect(ascending).toBeLessThan(100);
  });

  it('keeps only the ports asked for', () => {
    expect(scanOrder([22, 23, 40000], 1)).toEqual({ order: expect.arrayContaining([22, 23, 40000]), topCount: 2 });
    expect(scanOrder([40000, 40001], 1).topCount).toBe(0);
  });

  it('lists well-known ports once each, ascending, in range', () => {
    expect([...TOP_TCP_PORTS].sort((x, y) => x - y)).toEqual([...TOP_TCP_PORTS]);
    expect(new Set(TOP_TCP_PORTS).size).toBe(TOP_TCP_PORTS.length);
    expect(TOP_TCP_PORTS.every((p) => p >= 1 && p <= 65535)).toBe(true);
  });
});

describe('file descriptor limits', () => {
  it.runIf(process.platform === 'linux')('reads the limits and counts open descriptors', () => {
    const limits = readFdLimits()!;
    expect(limits.soft).toBeGreaterThan(0);
    expect(limits.hard).toBeGreaterThanOrEqual(limits.soft);
    expect(openFdCount()).toBeGreaterThan(2);
  });

  it.runIf(process.platform === 'linux')('leaves the reserve free: the socket capacity is the soft limit minus what is open minus the reserve', () => {
    const soft = readFdLimits()!.soft;
    expect(socketCapacity()).toBeLessThanOrEqual(Math.max(MIN_SOCKET_CAP, soft - FD_RESERVE));
    expect(socketCapacity()).toBeGreaterThanOrEqual(MIN_SOCKET_CAP);
  });

  it('an engine lowers its cap below what is in flight on EMFILE, never under the minimum', () => {
    const engine = new ScanEngine(1000);
    for (let i = 0; i < 500; i++) engine.opened();
    engine.lowerCap();
    expect(engine.capacity()).toBe(450);
    expect(engine.hasRoom()).toBe(false);
    for (let i = 0; i < 500; i++) engine.closed();
    engine.lowerCap();
    expect(engine.capacity()).toBe(MIN_SOCKET_CAP);
    expect(engine.peakInFlight()).toBe(500);
  });
});
