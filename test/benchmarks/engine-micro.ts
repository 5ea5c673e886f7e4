/**
 * Microbenchmarks (tinybench) of the scan engine's hot paths: the per-attempt cost of each
 * probe backend against a refusing loopback port (where Node's time goes: net.Socket versus
 * the raw TCP handle versus the native addon), the engine's own bookkeeping per port on a scripted backend without
 * the kernel, the small pieces (port order, RTT, window), and UDP payloads and probing.
 */
import { Bench } from 'tinybench';
import { ScanEngine } from '../../harness/scan/engine.ts';
import { nativeBackendIfAvailable } from '../../harness/scan/native-backend.ts';
import { rawBackendIfAvailable, socketBackend, type ProbeBackend, type ProbeRecord } from '../../harness/scan/probe.ts';
import { parsePortList } from '../../harness/scan/ports.ts';
import { RttEstimator } from '../../harness/scan/rtt.ts';
import { createEngineScanner } from '../../harness/scan/tcp-engine.ts';
import { scanOrder } from '../../harness/scan/top-ports.ts';
import { ScanWindow } from '../../harness/scan/window.ts';
import { udpPayload } from '../../harness/scan/udp-payloads.ts';
import { DEFAULT_UDP_PORTS } from '../../harness/scan/udp-probes.ts';
import { scanUdp } from '../../harness/scan/udp-scanner.ts';
import { createBudgetGate } from '../../harness/scheduler/budget.ts';
import { createScopeGuard } from '../../harness/scope/guard.ts';

// Loopback, above the ephemeral range: nothing listens there, so every attempt is refused.
const REFUSING = { address: '127.66.0.9', port: 61999 };

function probeOnce(backend: ProbeBackend): Promise<void> {
  return new Promise((resolve, reject) => {
    const rec: ProbeRecord = {
      owner: { onProbeDone: (r) => { backend.close(r); resolve(); } },
      port: REFUSING.port, attempt: 1, sentAt: 0, sentIdle: 0, done: false, handle: undefined, release: undefined,
    };
    const err = backend.start(rec, REFUSING.address, false);
    if (err !== 0) reject(new Error(`start failed: ${err}`));
  });
}

// A backend that refuses every port at once, through the event loop: the engine without the kernel.
const instantBackend: ProbeBackend = {
  id: 'socket',
  start(rec) {
    setImmediate(() => !rec.done && rec.owner.onProbeDone(rec, -111));
    return 0;
  },
  close() {},
};

/** Run the engine microbenchmarks and return rows for the table. */
export async function runEngineMicro(): Promise<{ name: string; opsPerSec: number; meanUs: number }[]> {
  const all = parsePortList('all');
  const ports4k = all.slice(20000, 24096);
  const guard = createScopeGuard(['192.0.2.0/28']);
  const loopGuard = createScopeGuard([`${REFUSING.address}/32`]);
  const scripted = createEngineScanner({ engine: new ScanEngine(10_000), backend: instantBackend });
  const rtt = new RttEstimator();
  const win = new ScanWindow({ initial: 64, ceiling: 8192 });
  const raw = rawBackendIfAvailable();
  const native = nativeBackendIfAvailable();
  const bench = new Bench({ time: 400 });
  if (native) bench.add('probe, native addon: one-attempt batch on a pool thread, refused (loopback)', () => probeOnce(native));
  if (raw) bench.add('probe, raw TCP handle: connect + refused + close (loopback)', () => probeOnce(raw));
  bench
    .add('probe, net.Socket: connect + refused + destroy (loopback)', () => probeOnce(socketBackend))
    .add('engine bookkeeping: scan 4096 ports on an instant backend', async () => {
      await scripted.scan({ address: '192.0.2.1', ports: ports4k, guard, budget: createBudgetGate({ maxSockets: 256, attemptsPerSecond: 10 }) });
    })
    .add('scanOrder 65535 ports (top first, shuffled)', () => void scanOrder(all, 7))
    .add('RTT sample + timeoutForAttempt', () => {
      rtt.sample(0.3);
      void rtt.timeoutForAttempt(2);
    })
    .add('window onAnswer + onTimeout', () => {
      win.onAnswer(0.1);
      win.onTimeout();
    })
    .add('UDP payloads: CoAP, SNMP, DNS, DTLS ClientHello', () => {
      for (const p of ['coap', 'snmp', 'dns', 'dtls'] as const) void udpPayload(p, '127.0.0.1');
    })
    .add(`UDP scan: the ${DEFAULT_UDP_PORTS.length} probe-table ports, all closed (ICMP, loopback)`, async () => {
      await scanUdp({ address: REFUSING.address, ports: DEFAULT_UDP_PORTS, guard: loopGuard, budget: createBudgetGate({ maxSockets: 64, attemptsPerSecond: 10 }) });
    });
  await bench.run();
  return bench.tasks.map((t) => {
    const r = t.result as unknown as { throughput?: { mean: number }; latency?: { mean: number }; hz?: number; mean?: number };
    const hz = r.throughput?.mean ?? r.hz ?? 0;
    const meanMs = r.latency?.mean ?? r.mean ?? 0;
    return { name: t.name, opsPerSec: Math.round(hz), meanUs: Math.round(meanMs * 1000 * 10) / 10 };
  });
}
