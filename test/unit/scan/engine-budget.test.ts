import { describe, expect, it } from 'vitest';
import { ScanEngine } from '../../../harness/scan/engine.ts';
import { STATUS } from '../../../harness/scan/probe.ts';
import { createEngineScanner } from '../../../harness/scan/tcp-engine.ts';
import { createBudgetGate } from '../../../harness/scheduler/budget.ts';
import { createScopeGuard } from '../../../harness/scope/guard.ts';
import { fakeBackend } from './fake-backend.ts';

const guard = createScopeGuard(['192.0.2.0/28']);
const ports = (n: number, from = 1000): number[] => Array.from({ length: n }, (_, i) => from + i);

describe('engine scanner on a scripted backend: the device budget is a hard bound', () => {
  it.each([1, 3, 16, 64])('never has more than maxSockets=%i in flight, on the budget gate or on the wire', async (maxSockets) => {
    // 1025 (a well-known port, probed first) answers so the RTT is known; others drop or refuse.
    const backend = fakeBackend((port) => (port === 1025 ? 'open' : port % 5 === 0 ? 'silent' : 'closed'));
    const budget = createBudgetGate({ maxSockets, attemptsPerSecond: 10 });
    const scanner = createEngineScanner({ engine: new ScanEngine(10_000), backend, initialWindow: 512 });
    const result = await scanner.scan({ address: '192.0.2.1', ports: ports(30), guard, budget });
    expect(backend.peak).toBeLessThanOrEqual(maxSockets);
    expect(budget.peakInFlight()).toBeLessThanOrEqual(maxSockets);
    expect(budget.inFlight()).toBe(0);
    expect(backend.live).toBe(0);
    expect(result.counts).toEqual({ open: 1, closed: 24, filtered: 5 });
  });

  it('shares the gate with other holders: slots held elsewhere are never used', async () => {
    const budget = createBudgetGate({ maxSockets: 5, attemptsPerSecond: 10 });
    const held = [budget.tryAcquireSocket()!, budget.tryAcquireSocket()!, budget.tryAcquireSocket()!];
    const backend = fakeBackend((port) => (port % 2 ? 'closed' : 'open'));
    const scanner = createEngineScanner({ engine: new ScanEngine(10_000), backend });
    const scan = scanner.scan({ address: '192.0.2.2', ports: ports(40), guard, budget });
    setTimeout(() => held.forEach((release) => release()), 30);
    const result = await scan;
    expect(budget.peakInFlight()).toBeLessThanOrEqual(5);
    expect(backend.peak).toBeLessThanOrEqual(5);
    expect(result.counts).toEqual({ open: 20, closed: 20, filtered: 0 });
  });

  it('two devices on one engine split its socket cap and each stays under its own budget', async () => {
    const engine = new ScanEngine(16);
    const backend = fakeBackend((port) => (port === 1025 ? 'closed' : 'silent'));
    const scanner = createEngineScanner({ engine, backend, initialWindow: 64 });
    const a = createBudgetGate({ maxSockets: 100, attemptsPerSecond: 10 });
    const b = createBudgetGate({ maxSockets: 4, attemptsPerSecond: 10 });
    const [ra, rb] = await Promise.all([
      scanner.scan({ address: '192.0.2.3', ports: ports(50), guard, budget: a }),
      scanner.scan({ address: '192.0.2.4', ports: ports(50), guard, budget: b }),
    ]);
    expect(engine.peakInFlight()).toBeLessThanOrEqual(16);
    // Shares are rebalanced as jobs come and go; the cap and each budget are the hard bounds.
    expect(a.peakInFlight()).toBeLessThanOrEqual(16);
    expect(b.peakInFlight()).toBeLessThanOrEqual(4);
    expect(engine.inFlight()).toBe(0);
    expect([ra.counts, rb.counts]).toEqual([{ open: 0, closed: 1, filtered: 49 }, { open: 0, closed: 1, filtered: 49 }]);
  });
});

describe('engine scanner on a scripted backend: attempts and errors', () => {
  it('gives a silent port exactly two attempts, an answering port one', async () => {
    const backend = fakeBackend((port) => (port < 1005 ? 'closed' : 'silent'));
    // 1000-1009 has no well-known port: the RTT comes from the first answers, not a top port.
    const scanner = createEngineScanner({ engine: new ScanEngine(10_000), backend });
    const result = await scanner.scan({ address: '192.0.2.5', ports: ports(10), guard, budget: createBudgetGate({ maxSockets: 64, attemptsPerSecond: 10 }) });
    const tries = (p: number): number => backend.starts.filter((s) => s.port === p).length;
    expect(ports(5).map(tries)).toEqual([1, 1, 1, 1, 1]);
    expect(ports(5, 1005).map(tries)).toEqual([2, 2, 2, 2, 2]);
    expect(result.notClosed).toEqual(ports(5, 1005).map((port) => ({ port, state: 'filtered' })));
    expect(result.method).toMatchObject({ scanner: 'engine', retries: 1, lossSeen: false });
  });

  it('an open port whose first SYN was dropped (full backlog) is found by the retry, and loss earns silent ports a third try', async () => {
    const backend = fakeBackend((port, attempt) => (port === 1001 ? (attempt === 1 ? 'silent' : 'open') : port === 1000 ? 'closed' : 'silent'));
    // 1000 (the only answer) is not a top port, so this also covers the 1 s initial timeout.
    const scanner = createEngineScanner({ engine: new ScanEngine(10_000), backend });
    const result = await scanner.scan({ address: '192.0.2.6', ports: ports(6), guard, budget: createBudgetGate({ maxSockets: 64, attemptsPerSecond: 10 }) });
    expect(result.notClosed).toContainEqual(expect.objectContaining({ port: 1001, state: 'open' }));
    expect(result.counts).toEqual({ open: 1, closed: 1, filtered: 4 });
    expect(result.method).toMatchObject({ lossSeen: true, retries: 2 });
    for (const p of ports(4, 1002)) expect(backend.starts.filter((s) => s.port === p).length, `port ${p}`).toBe(3);
  });

  it('EADDRNOTAVAIL and EMFILE at start do not count as attempts: the port is tried again', async () => {
    let failures = 0;
    const backend = fakeBackend((port) => (port === 1003 ? 'open' : 'closed'), (port) => (port === 1003 && failures++ < 2 ? (failures === 1 ? STATUS.EADDRNOTAVAIL : STATUS.EMFILE) : 0));
    const engine = new ScanEngine(10_000);
    const scanner = createEngineScanner({ engine, backend });
    const result = await scanner.scan({ address: '192.0.2.7', ports: ports(8), guard, budget: createBudgetGate({ maxSockets: 64, attemptsPerSecond: 10 }) });
    expect(result.counts).toEqual({ open: 1, closed: 7, filtered: 0 });
    expect(backend.starts.filter((s) => s.port === 1003)).toEqual([{ port: 1003, attempt: 1 }]);
    expect(engine.capacity()).toBeLessThan(10_000);
  });

  it('ECONNRESET reads as an answer (closed) and as loss; EHOSTUNREACH as no answer', async () => {
    const backend = fakeBackend((port) => (port === 1000 ? STATUS.ECONNRESET : port === 1001 ? -113 : 'closed'));
    const scanner = createEngineScanner({ engine: new ScanEngine(10_000), backend });
    const result = await scanner.scan({ address: '192.0.2.8', ports: ports(4), guard, budget: createBudgetGate({ maxSockets: 8, attemptsPerSecond: 10 }) });
    expect(result.counts).toEqual({ open: 0, closed: 3, filtered: 1 });
    expect(result.notClosed).toEqual([{ port: 1001, state: 'filtered' }]);
    expect(result.method).toMatchObject({ lossSeen: true });
  });

  it('streams every port exactly once through onResult', async () => {
    const backend = fakeBackend((port) => (port % 7 === 0 ? 'open' : port % 7 === 1 ? 'silent' : 'closed'));
    const scanner = createEngineScanner({ engine: new ScanEngine(10_000), backend });
    const seen = new Map<number, string>();
    const result = await scanner.scan({
      address: '192.0.2.9', ports: ports(300), guard, budget: createBudgetGate({ maxSockets: 32, attemptsPerSecond: 10 }),
      onResult: (r) => {
        expect(seen.has(r.port)).toBe(false);
        seen.set(r.port, r.state);
      },
    });
    expect(seen.size).toBe(300);
    expect([...seen.values()].filter((s) => s === 'open').length).toBe(result.counts.open);
    expect([...seen.values()].filter((s) => s === 'filtered').length).toBe(result.counts.filtered);
  });
});
