/**
 * The robustness check on the virtual bench through a fake context: the fragile device fails
 * with the saved case as evidence, the weak device passes with cases run and the rate, a
 * service that does not answer is inconclusive, and a device with nothing to fuzz is n/a.
 * The lab config's robustness field is validated and defaulted.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import check from '../../../../suites/robustness/fuzz-services.ts';
import { parseLabConfig } from '../../../../harness/config/load.ts';
import type { TrustlabError } from '../../../../harness/errors.ts';
import { startBench, type Bench } from '../../../../harness/virtual-bench/index.ts';
import { BENCH_DISCOVERY, fakeContext } from '../encryption/fake-context.ts';

const A = { fragile: '127.97.5.1', weak: '127.97.5.2', nothing: '127.97.5.3' };
const SCOPE = ['127.97.5.0/24'];
let bench: Bench | undefined;

beforeAll(async () => {
  bench = await startBench([{ id: 'fragile', address: A.fragile, profile: 'fragile' }, { id: 'weak', address: A.weak, profile: 'weak' }]);
});
afterAll(async () => bench?.stop());

describe('robustness/fuzz-services', () => {
  it('fails the fragile device with each crash case as evidence', async () => {
    const { ctx, evidence } = fakeContext({ id: 'fragile', address: A.fragile, robustness: { secondsPerService: 5, rebootWaitSeconds: 5, seed: 4 } }, [BENCH_DISCOVERY.mqtt!, BENCH_DISCOVERY.http!], SCOPE);
    const results = await check.run(ctx);
    expect(results.map((r) => `${r.target?.service}:${r.status}`).sort()).toEqual(['coap:fail', 'http:fail', 'mqtt:fail']);
    for (const r of results) {
      expect(r.testId).toBe('CTM-PT-05');
      expect(r.evidence?.length).toBeGreaterThan(0);
      expect(r.summary).toMatch(/fuzz case \d+ of seed 4/);
      const file = evidence.get(r.evidence![0]!.path.replace('evidence/', ''))!;
      const saved = JSON.parse(file) as { seed: number; index: number; messages: string[]; sequence: string[] };
      expect(r.evidence![0]!.path).toMatch(/crash-/);
      expect(saved).toMatchObject({ seed: 4 });
      expect(saved.messages.length).toBe(saved.sequence.length);
    }
  }, 60_000);

  it('passes the weak device with cases run and cases per second', async () => {
    const { ctx } = fakeContext({ id: 'weak', address: A.weak, robustness: { secondsPerService: 1, rebootWaitSeconds: 5 } }, [BENCH_DISCOVERY.mqtt!, BENCH_DISCOVERY.http!, BENCH_DISCOVERY.https!], SCOPE);
    const results = await check.run(ctx);
    expect(results.map((r) => `${r.target?.service}:${r.status}`).sort()).toEqual(['coap:pass', 'http:pass', 'mqtt:pass']);
    for (const r of results) {
      expect(r.data).toMatchObject({ casesRun: expect.any(Number), casesPerSecond: expect.any(Number) });
      expect(r.summary).toMatch(/TLS services not fuzzed: https tcp\/8443/);
    }
  }, 30_000);

  it('is inconclusive for a discovered service that does not answer, n/a with nothing to fuzz, inconclusive without discovery', async () => {
    const gone = fakeContext({ id: 'n', address: A.nothing, robustness: { secondsPerService: 1, rebootWaitSeconds: 1 } }, [BENCH_DISCOVERY.mqtt!], SCOPE);
    const [r] = await check.run(gone.ctx);
    expect(r).toMatchObject({ status: 'inconclusive', target: { port: 1883 } });
    expect(r!.summary).toMatch(/did not answer its liveness probe/);
    const tlsOnly = fakeContext({ id: 'n', address: A.nothing }, [BENCH_DISCOVERY.https!], SCOPE);
    expect((await check.run(tlsOnly.ctx)).map((x) => x.status)).toEqual(['not-applicable']);
    const none = fakeContext({ id: 'n', address: A.nothing }, undefined, SCOPE);
    expect((await check.run(none.ctx)).map((x) => x.status)).toEqual(['inconclusive']);
  }, 30_000);
});

describe('lab config: devices[].robustness', () => {
  const base = (extra: string): string => [
    'lab:', '  name: L', '  accreditation: { body: A, certificate: "1", scope: S }', '  signer: { name: N, role: R }', '  key: k.pem',
    'network:', '  scope: [127.97.5.0/24]', 'devices:', '  - id: d', '    address: 127.97.5.9', '    product: { manufacturer: A, model: M }',
    '    declared: { services: [] }', extra, '',
  ].join('\n');

  it('fills defaults inside a given robustness object and keeps the rest', () => {
    const { config } = parseLabConfig(base('    robustness: { secondsPerService: 5, seed: 7 }'), '/tmp/l.yaml');
    expect(config.devices[0]!.robustness).toEqual({ secondsPerService: 5, seed: 7, rebootWaitSeconds: 60 });
    expect(parseLabConfig(base(''), '/tmp/l.yaml').config.devices[0]!.robustness).toBeUndefined();
  });

  it('refuses a zero time budget and unknown fields with their JSON path', () => {
    const problems = (text: string): string => {
      try {
        parseLabConfig(base(text), '/tmp/l.yaml');
      } catch (err) {
        return (err as TrustlabError).details.join('\n');
      }
      throw new Error('expected the config to be refused');
    };
    expect(problems('    robustness: { secondsPerService: 0 }')).toMatch(/devices\[0\]\.robustness\.secondsPerService: must be > 0/);
    expect(problems('    robustness: { cases: 5 }')).toMatch(/devices\[0\]\.robustness.*cases/);
  });
});
