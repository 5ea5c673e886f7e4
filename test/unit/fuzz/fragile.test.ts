/**
 * The engine against the fragile bench services: each protocol's run finds a planted bug,
 * isolates and reproduces the case, minimises it, and the saved case takes a fresh service
 * down again. The healthy bench profiles survive the same fuzzing with nothing reported.
 */
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { caseAt, fuzz, FUZZ_DEFAULTS, PROTOCOL_MODELS, replayCase, type FuzzProtocol } from '../../../harness/fuzz/index.ts';
import { scopeFromAddresses } from '../../../harness/scope/guard.ts';
import { fragileBugChannel, type FragileBugEvent } from '../../../harness/virtual-bench/fragile-firmware.ts';
import { startFragileCoap } from '../../../harness/virtual-bench/fragile-coap.ts';
import { startFragileHttp } from '../../../harness/virtual-bench/fragile-http.ts';
import { startFragileMqtt } from '../../../harness/virtual-bench/fragile-mqtt.ts';
import type { RunningService } from '../../../harness/virtual-bench/lifecycle.ts';
import { startBench, type Bench } from '../../../harness/virtual-bench/index.ts';

const TIMING = { rebootAfterMs: 50, watchdogMs: 1500 };
const PORTS: Record<FuzzProtocol, number> = { mqtt: 1883, coap: 5683, http: 8080 };
const START = { mqtt: startFragileMqtt, coap: startFragileCoap, http: startFragileHttp };
let next = 1;

async function fresh(protocol: FuzzProtocol): Promise<{ address: string; service: RunningService }> {
  const address = `127.97.1.${next++}`;
  return { address, service: await START[protocol]({ deviceId: 'fragile', address, port: PORTS[protocol], service: protocol }, TIMING) };
}

/** Planted bugs that fire while fn runs. */
async function bugsDuring(fn: () => Promise<unknown>): Promise<string[]> {
  const bugs: string[] = [];
  const onBug = (m: unknown): void => void bugs.push((m as FragileBugEvent).bug);
  subscribe(fragileBugChannel.name, onBug);
  try {
    await fn();
  } finally {
    unsubscribe(fragileBugChannel.name, onBug);
  }
  return bugs;
}

describe.each(['mqtt', 'coap', 'http'] as const)('fuzzing the fragile %s service', (protocol) => {
  it('finds a planted bug, proves it with a replayable minimised case', async () => {
    const dev = await fresh(protocol);
    const guard = scopeFromAddresses([dev.address]);
    const report = await fuzz({
      ...FUZZ_DEFAULTS, protocol, guard, address: dev.address, port: PORTS[protocol], seed: 11,
      maxCases: 200_000, timeBudgetMs: 20_000, minimiseMs: 3000, rebootWaitMs: 3000,
    }).finally(() => dev.service.stop());
    expect(report.crashes, JSON.stringify({ ...report, crashes: undefined })).toHaveLength(1);
    const c = report.crashes[0]!;
    expect(c).toMatchObject({ protocol, seed: 11, kind: 'reboot', isolated: true, reproduced: true });
    expect(c.window.map((w) => w.index)).toContain(c.index);
    // The pair still names the same bytes.
    expect(caseAt(PROTOCOL_MODELS[protocol], c.seed, c.index).bytes.map((b) => b.toString('hex'))).toEqual(c.messages);
    expect(c.minimised, 'a minimised form').toBeDefined();
    expect(c.minimised!.size).toBeLessThan(c.size);
    for (const minimised of [false, true]) {
      const again = await fresh(protocol);
      const bugs = await bugsDuring(async () => {
        const r = await replayCase(c, { guard: scopeFromAddresses([again.address]), address: again.address, port: PORTS[protocol], minimised, livenessMs: 2000, rebootWaitMs: 3000, replyMs: 10 });
        expect(['crash', 'hang']).toContain(r.outcome);
        expect(r.regenerated).toBe('identical');
      }).finally(() => again.service.stop());
      expect(bugs.length, `replay (${minimised ? 'minimised' : 'original'}) fires a planted bug`).toBeGreaterThan(0);
      expect(bugs.every((b) => b.startsWith(`${protocol}-`))).toBe(true);
    }
  }, 60_000);
});

describe('the healthy bench profiles under the same fuzzing', () => {
  let bench: Bench | undefined;
  beforeAll(async () => {
    bench = await startBench([{ id: 'weak', address: '127.97.1.200', profile: 'weak' }, { id: 'mixed', address: '127.97.1.201', profile: 'mixed' }]);
  });
  afterAll(async () => bench?.stop());

  it.each([
    ['mqtt', '127.97.1.200'], ['coap', '127.97.1.200'], ['http', '127.97.1.200'], ['mqtt', '127.97.1.201'], ['http', '127.97.1.201'],
  ] as const)('%s on %s: no crash reported, alive at the end', async (protocol, address) => {
    const r = await fuzz({ ...FUZZ_DEFAULTS, protocol, guard: scopeFromAddresses([address]), address, port: PORTS[protocol], seed: 3, maxCases: 100_000, timeBudgetMs: 1000 });
    expect(r.reachable).toBe(true);
    expect(r.crashes).toEqual([]);
    expect(r.aliveAtEnd).toBe(true);
    expect(r.casesRun).toBeGreaterThan(100);
    expect(r.responseShapes).toBeGreaterThan(3);
  }, 20_000);
});
