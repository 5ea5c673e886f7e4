/**
 * Every planted bug of the fragile device is found: the engine runs seed after seed (each a
 * bounded run that stops after three distinct crash buckets) until each planted bug has been
 * hit by a saved case replayed on a fresh service. Loopback only, no namespace; it lives in
 * this tier because the hunt takes a minute or two, too long for `npm test`.
 */
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { describe, expect, it } from 'vitest';
import { fuzz, FUZZ_DEFAULTS, replayCase, type FuzzProtocol } from '../../harness/fuzz/index.ts';
import { scopeFromAddresses } from '../../harness/scope/guard.ts';
import { startFragileCoap } from '../../harness/virtual-bench/fragile-coap.ts';
import { fragileBugChannel, type FragileBugEvent } from '../../harness/virtual-bench/fragile-firmware.ts';
import { startFragileHttp } from '../../harness/virtual-bench/fragile-http.ts';
import { startFragileMqtt } from '../../harness/virtual-bench/fragile-mqtt.ts';

const PLANTED: Record<FuzzProtocol, string[]> = {
  mqtt: ['mqtt-client-id-overflow', 'mqtt-publish-qos3', 'mqtt-subscribe-topic-oob'],
  coap: ['coap-block1-no-first-block', 'coap-option-delta-overflow'],
  http: ['http-authorization-overflow', 'http-content-length-hang'],
};
const PORTS: Record<FuzzProtocol, number> = { mqtt: 1883, coap: 5683, http: 8080 };
const START = { mqtt: startFragileMqtt, coap: startFragileCoap, http: startFragileHttp };
const TIMING = { rebootAfterMs: 50, watchdogMs: 1500 };
const HUNT_MS = 150_000;
let next = 1;

async function onFresh<T>(protocol: FuzzProtocol, fn: (address: string) => Promise<T>): Promise<T> {
  const address = `127.97.8.${next++}`;
  const service = await START[protocol]({ deviceId: 'fragile', address, port: PORTS[protocol], service: protocol }, TIMING);
  try {
    return await fn(address);
  } finally {
    await service.stop();
  }
}

describe.each(['mqtt', 'coap', 'http'] as const)('the fragile %s service', (protocol) => {
  it('has every planted bug found by a saved, replayable case', async () => {
    const found = new Set<string>();
    const t0 = Date.now();
    for (let seed = 1; Date.now() - t0 < HUNT_MS && !PLANTED[protocol].every((b) => found.has(b)); seed++) {
      const report = await onFresh(protocol, (address) => fuzz({
        ...FUZZ_DEFAULTS, protocol, guard: scopeFromAddresses([address]), address, port: PORTS[protocol], seed,
        maxCases: 1_000_000, timeBudgetMs: 10_000, maxCrashes: 3, minimise: false, rebootWaitMs: 3000,
      }));
      for (const c of report.crashes) {
        const bugs: string[] = [];
        const onBug = (m: unknown): void => void bugs.push((m as FragileBugEvent).bug);
        subscribe(fragileBugChannel.name, onBug);
        try {
          const r = await onFresh(protocol, (address) => replayCase(c, { guard: scopeFromAddresses([address]), address, port: PORTS[protocol], minimised: false, livenessMs: 2000, rebootWaitMs: 3000, replyMs: 10 }));
          expect(['crash', 'hang']).toContain(r.outcome);
        } finally {
          unsubscribe(fragileBugChannel.name, onBug);
        }
        for (const b of bugs) found.add(b);
      }
    }
    expect([...found].sort()).toEqual(PLANTED[protocol]);
  }, HUNT_MS + 60_000);
});
