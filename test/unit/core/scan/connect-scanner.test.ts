import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import net from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { TrustlabError } from '../../../../harness/errors.ts';
import { connectScanner, RttEstimator } from '../../../../harness/scan/connect-scanner.ts';
import { createBudgetGate } from '../../../../harness/scheduler/budget.ts';
import { createScopeGuard } from '../../../../harness/scope/guard.ts';
import { listenOn, SCAN_TEST_LISTENING, SCAN_TEST_PORTS } from '../../support/listeners.ts';

const HOST = '127.66.0.2';
// Ports above the ephemeral range (see test/unit/support/listeners.ts): closed stays closed.
const PORTS = SCAN_TEST_PORTS;
const LISTENING = SCAN_TEST_LISTENING;

const guard = createScopeGuard(['127.66.0.0/24']);
let closeListeners: () => Promise<void>;

beforeAll(async () => {
  closeListeners = await listenOn(HOST, LISTENING);
});
afterAll(async () => {
  await closeListeners();
});
afterEach(() => {
  vi.restoreAllMocks();
});

describe('connectScanner.scan', () => {
  it('finds exactly the listening ports among 200 and stays inside the socket budget', async () => {
    const budget = createBudgetGate({ maxSockets: 8, attemptsPerSecond: 20 });
    const progress: [number, number][] = [];
    const result = await connectScanner.scan({ address: HOST, ports: PORTS, guard, budget, seed: 7, onProgress: (d, t) => progress.push([d, t]) });
    expect(result.notClosed).toEqual(LISTENING.map((port) => ({ port, state: 'open' })));
    expect(result.counts).toEqual({ open: 3, closed: 197, filtered: 0 });
    expect(result.total).toBe(200);
    expect(result.address).toBe(HOST);
    expect(budget.peakInFlight()).toBeLessThanOrEqual(8);
    expect(budget.peakInFlight()).toBeGreaterThan(1);
    expect(budget.inFlight()).toBe(0);
    expect(result.method).toMatchObject({ scanner: 'connect', window: 8, retries: 1 });
    expect(result.method.finalTimeoutMs).toBeGreaterThanOrEqual(150);
    expect(progress.at(-1)).toEqual([200, 200]);
  });

  it('is the same with a window of 1 and another seed', async () => {
    const budget = createBudgetGate({ maxSockets: 1, attemptsPerSecond: 20 });
    const ports = PORTS.slice(0, 120);
    const result = await connectScanner.scan({ address: HOST, ports, guard, budget, seed: 99 });
    expect(result.notClosed).toEqual([{ port: 61013, state: 'open' }, { port: 61100, state: 'open' }]);
    expect(result.counts).toEqual({ open: 2, closed: 118, filtered: 0 });
    expect(budget.peakInFlight()).toBe(1);
  });

  it('scans an empty list to an empty result', async () => {
    const budget = createBudgetGate({ maxSockets: 4, attemptsPerSecond: 20 });
    const result = await connectScanner.scan({ address: HOST, ports: [], guard, budget });
    expect(result.counts).toEqual({ open: 0, closed: 0, filtered: 0 });
    expect(result.notClosed).toEqual([]);
  });

  it.each(['192.0.2.1', '127.66.1.2', 'localhost'])('refuses %s before any socket is made', async (address) => {
    const connectSpy = vi.spyOn(net, 'connect');
    const protoSpy = vi.spyOn(net.Socket.prototype, 'connect');
    const budget = createBudgetGate({ maxSockets: 8, attemptsPerSecond: 20 });
    const err = await connectScanner.scan({ address, ports: [22, 80, 443], guard, budget }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TrustlabError);
    expect((err as TrustlabError).code).toBe('TL_SCOPE_VIOLATION');
    expect(connectSpy).not.toHaveBeenCalled();
    expect(protoSpy).not.toHaveBeenCalled();
    expect(budget.peakInFlight()).toBe(0);
  });

  it('throws on an aborted scan instead of returning a partial result', async () => {
    const budget = createBudgetGate({ maxSockets: 4, attemptsPerSecond: 20 });
    const reason = new Error('operator stopped');
    await expect(connectScanner.scan({ address: HOST, ports: PORTS, guard, budget, signal: AbortSignal.abort(reason) })).rejects.toBe(reason);
  });

  it('throws when aborted mid-scan', async () => {
    const budget = createBudgetGate({ maxSockets: 1, attemptsPerSecond: 20 });
    const ac = new AbortController();
    const ports = Array.from({ length: 2000 }, (_, i) => 61200 + i);
    let seen = 0;
    const p = connectScanner.scan({ address: HOST, ports, guard, budget, signal: ac.signal, onProgress: () => {
      if (++seen === 1) ac.abort(new Error('stop now'));
    } });
    await expect(p).rejects.toThrow('stop now');
  });

  // Node accepts every connection of a listening server itself (libuv calls accept), so a
  // listener that never accepts needs another runtime: a python3 child on loopback.
  const hasPython = spawnSync('python3', ['-c', 'pass'], { timeout: 5000 }).status === 0;
  it.skipIf(!hasPython)('reports open a port behind a backlog-1 listener that never accepts', async () => {
    const child: ChildProcessWithoutNullStreams = spawn('python3', ['-c', [
      'import socket, sys',
      's = socket.socket()',
      `s.bind(('${HOST}', 0))`,
      's.listen(1)',
      'print(s.getsockname()[1], flush=True)',
      'sys.stdin.read()',
    ].join('\n')]);
    try {
      const port = await new Promise<number>((resolve, reject) => {
        child.once('error', reject);
        child.stdout.once('data', (d: Buffer) => resolve(Number(String(d).trim())));
      });
      // One connection already waits in the accept queue and is never accepted.
      const held = net.connect({ host: HOST, port });
      await new Promise((resolve) => held.once('connect', resolve));
      const budget = createBudgetGate({ maxSockets: 8, attemptsPerSecond: 20 });
      const result = await connectScanner.scan({ address: HOST, ports: [port, ...PORTS.slice(0, 20)], guard, budget });
      held.destroy();
      expect(result.notClosed).toContainEqual({ port, state: 'open' });
      expect(result.counts.filtered).toBe(0);
    } finally {
      child.stdin.end();
      child.kill();
    }
  });
});

describe('RttEstimator (RFC 6298)', () => {
  it('starts at 1000 ms before any sample', () => {
    expect(new RttEstimator().timeoutMs()).toBe(1000);
  });

  it('first sample sets srtt = R and rttvar = R/2', () => {
    const e = new RttEstimator();
    e.sample(100);
    // srtt + 4 * rttvar = 100 + 200
    expect(e.timeoutMs()).toBe(300);
  });

  it('later samples update rttvar with the old srtt, then srtt', () => {
    const e = new RttEstimator();
    e.sample(100);
    e.sample(200);
    // rttvar = 0.75*50 + 0.25*|100-200| = 62.5; srtt = 0.875*100 + 0.125*200 = 112.5
    expect(e.timeoutMs()).toBeCloseTo(112.5 + 4 * 62.5, 9);
  });

  it.each([
    [[0.05], 150],
    [[0.05, 0.02, 0.1], 150],
    [[40], 150],
    [[2000], 3000],
    [[1000, 3000], 3000],
  ])('clamps %j to %i ms (bounds 150..3000)', (samples, expected) => {
    const e = new RttEstimator();
    for (const s of samples) e.sample(s);
    expect(e.timeoutMs()).toBe(expected);
  });
});
