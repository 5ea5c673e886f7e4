import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import net from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { TrustlabError } from '../../../harness/errors.ts';
import { nativeBackendIfAvailable } from '../../../harness/scan/native-backend.ts';
import { rawBackendIfAvailable, socketBackend, type ProbeBackend } from '../../../harness/scan/probe.ts';
import { createEngineScanner } from '../../../harness/scan/tcp-engine.ts';
import { createBudgetGate } from '../../../harness/scheduler/budget.ts';
import { createScopeGuard } from '../../../harness/scope/guard.ts';
import { listenOn, SCAN_TEST_LISTENING, SCAN_TEST_PORTS } from '../support/listeners.ts';

// The connect scanner's contract, re-run against the engine on real loopback sockets with
// each backend, on the ports of test/unit/support/listeners.ts.
const HOST = '127.66.0.3';
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

// The native backend is tested where its addon is built (node-gyp at install); the JS ones always.
const backends: [string, ProbeBackend | undefined][] = [['native', nativeBackendIfAvailable()], ['raw', rawBackendIfAvailable()], ['socket', socketBackend]];
const hasPython = spawnSync('python3', ['-c', 'pass'], { timeout: 5000 }).status === 0;

describe.each(backends)('engine scanner, %s backend, on loopback', (name, backend) => {
  const scanner = createEngineScanner({ backend });

  it.skipIf(!backend)('finds exactly the listening ports among 200 and stays inside the socket budget', async () => {
    const budget = createBudgetGate({ maxSockets: 8, attemptsPerSecond: 20 });
    const progress: [number, number][] = [];
    const streamed: number[] = [];
    const result = await scanner.scan({
      address: HOST, ports: PORTS, guard, budget, seed: 7,
      onProgress: (d, t) => progress.push([d, t]),
      onResult: (r) => r.state === 'open' && streamed.push(r.port),
    });
    expect(result.notClosed.map(({ port, state }) => ({ port, state }))).toEqual(LISTENING.map((port) => ({ port, state: 'open' })));
    expect(result.counts).toEqual({ open: 3, closed: 197, filtered: 0 });
    expect(streamed.sort()).toEqual(LISTENING);
    expect(budget.peakInFlight()).toBeLessThanOrEqual(8);
    expect(budget.peakInFlight()).toBeGreaterThan(1);
    expect(budget.inFlight()).toBe(0);
    expect(result.method).toMatchObject({ scanner: 'engine', backend: name, budgetSockets: 8, retries: 1 });
    expect(progress.at(-1)).toEqual([200, 200]);
  });

  it.skipIf(!backend)('is the same with a window of 1 and another seed', async () => {
    const budget = createBudgetGate({ maxSockets: 1, attemptsPerSecond: 20 });
    const result = await scanner.scan({ address: HOST, ports: PORTS.slice(0, 120), guard, budget, seed: 99 });
    expect(result.notClosed.map((p) => p.port)).toEqual([61013, 61100]);
    expect(result.counts).toEqual({ open: 2, closed: 118, filtered: 0 });
    expect(budget.peakInFlight()).toBe(1);
  });

  it.skipIf(!backend)('scans an empty list to an empty result', async () => {
    const result = await scanner.scan({ address: HOST, ports: [], guard, budget: createBudgetGate({ maxSockets: 4, attemptsPerSecond: 20 }) });
    expect(result.counts).toEqual({ open: 0, closed: 0, filtered: 0 });
    expect(result.notClosed).toEqual([]);
  });

  it.skipIf(!backend).each(['192.0.2.1', '127.66.1.2', 'localhost'])('refuses %s before any socket is made', async (address) => {
    const start = vi.spyOn(backend ?? socketBackend, 'start');
    const connect = vi.spyOn(net.Socket.prototype, 'connect');
    const budget = createBudgetGate({ maxSockets: 8, attemptsPerSecond: 20 });
    const err = await scanner.scan({ address, ports: [22, 80, 443], guard, budget }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TrustlabError);
    expect((err as TrustlabError).code).toBe('TL_SCOPE_VIOLATION');
    expect(start).not.toHaveBeenCalled();
    expect(connect).not.toHaveBeenCalled();
    expect(budget.peakInFlight()).toBe(0);
  });

  it.skipIf(!backend)('throws on an aborted scan instead of returning a partial result', async () => {
    const reason = new Error('operator stopped');
    const budget = createBudgetGate({ maxSockets: 4, attemptsPerSecond: 20 });
    await expect(scanner.scan({ address: HOST, ports: PORTS, guard, budget, signal: AbortSignal.abort(reason) })).rejects.toBe(reason);
  });

  it.skipIf(!backend)('throws when aborted mid-scan and gives every budget slot back', async () => {
    const budget = createBudgetGate({ maxSockets: 2, attemptsPerSecond: 20 });
    const ac = new AbortController();
    const ports = Array.from({ length: 2000 }, (_, i) => 61200 + i);
    let seen = 0;
    const p = scanner.scan({ address: HOST, ports, guard, budget, signal: ac.signal, onProgress: () => {
      if (++seen === 1) ac.abort(new Error('stop now'));
    } });
    await expect(p).rejects.toThrow('stop now');
    expect(budget.inFlight()).toBe(0);
  });

  // Node accepts every connection of its own servers, so a listener that never accepts needs
  // another runtime: a python3 child with listen(1) and one connection already queued.
  it.skipIf(!backend || !hasPython)('reports open a port behind a backlog-1 listener that never accepts', async () => {
    const child: ChildProcessWithoutNullStreams = spawn('python3', ['-c', [
      'import socket, sys', 's = socket.socket()', `s.bind(('${HOST}', 0))`, 's.listen(1)',
      'print(s.getsockname()[1], flush=True)', 'sys.stdin.read()',
    ].join('\n')]);
    try {
      const port = await new Promise<number>((resolve, reject) => {
        child.once('error', reject);
        child.stdout.once('data', (d: Buffer) => resolve(Number(String(d).trim())));
      });
      const held = net.connect({ host: HOST, port });
      await new Promise((resolve) => held.once('connect', resolve));
      const result = await scanner.scan({ address: HOST, ports: [port, ...PORTS.slice(0, 20)], guard, budget: createBudgetGate({ maxSockets: 8, attemptsPerSecond: 20 }) });
      held.destroy();
      expect(result.notClosed).toContainEqual(expect.objectContaining({ port, state: 'open' }));
      expect(result.counts.filtered).toBe(0);
    } finally {
      child.stdin.end();
      child.kill();
    }
  });
});
