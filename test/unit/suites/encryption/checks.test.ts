/**
 * The encryption checks run against the virtual bench (weak, hardened, mixed) through a fake
 * context: the hardened device passes every TLS endpoint and its SSH audit, the weak one
 * fails, and every failure names its table entry and clause. Covers the declared-CA chain,
 * TLS found on an unidentified port, CoAP in clear, DTLS judged by version, and keys shared
 * between sample units.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBench, type Bench } from '../../../../harness/virtual-bench/index.ts';
import type { CheckResult } from '../../../../harness/plugins/types.ts';
import tls from '../../../../suites/encryption/tls.ts';
import ssh from '../../../../suites/encryption/ssh.ts';
import plaintext from '../../../../suites/encryption/plaintext.ts';
import coapDtls from '../../../../suites/encryption/coap-dtls.ts';
import sharedKeys from '../../../../suites/encryption/shared-keys.ts';
import { BENCH_DISCOVERY as D, fakeContext } from './fake-context.ts';
import { startFakeDtls } from '../../adapters/tls/fake-dtls.ts';

const A = { weak: '127.79.8.11', hardened: '127.79.8.12', mixed: '127.79.8.13', weak2: '127.79.8.14', empty: '127.79.8.15' };
let bench: Bench;
const failures = (rs: CheckResult[]): string[] => rs.filter((r) => r.status === 'fail').flatMap((r) => (r.data?.failures as { entry: string }[]).map((f) => f.entry));
const aspect = (rs: CheckResult[], port: number, a: string): CheckResult => rs.find((r) => r.target?.port === port && r.data?.aspect === a)!;

beforeAll(async () => {
  bench = await startBench([
    { id: 'weak', address: A.weak, profile: 'weak' }, { id: 'hardened', address: A.hardened, profile: 'hardened' },
    { id: 'mixed', address: A.mixed, profile: 'mixed' }, { id: 'weak2', address: A.weak2, profile: 'weak' },
  ]);
});
afterAll(async () => {
  await bench?.stop();
});

describe('encryption/tls (CTM-EN-01)', () => {
  it('passes every TLS endpoint of the hardened device, with its CA declared or not', async () => {
    const caPem = bench.devices.find((d) => d.id === 'hardened')!.caPem!;
    for (const declared of [{ services: [] }, { services: [], tlsCa: caPem }]) {
      const run = fakeContext({ id: 'hardened', address: A.hardened, declared }, [D.ssh!, D.https!, D.mqtts!]);
      const rs = await tls.run(run.ctx);
      expect(rs.map((r) => `${r.target?.port} ${r.status}`)).toEqual(['8443 pass', '8443 pass', '8443 pass', '8883 pass', '8883 pass', '8883 pass']);
      const cert = aspect(rs, 8443, 'certificate');
      if (declared.tlsCa) expect((cert.data?.judgements as { entry?: string; status: string }[]).find((j) => j.entry === 'certificates#chain-to-declared-ca')?.status).toBe('allowed');
      else expect(cert.summary).toMatch(/not applicable: chain to the declared CA: no CA is declared/);
      expect([...run.evidence.keys()]).toEqual(['tls-8443.json', 'tls-8443-chain.pem', 'tls-8883.json', 'tls-8883-chain.pem']);
      expect(JSON.parse(run.evidence.get('tls-8443.json')!).handshakeRecords[0].clientHelloHex).toMatch(/^16/);
    }
  });

  it('fails the weak device on TLS 1.0/1.1, expiry and key size, naming entries and clauses', async () => {
    const rs = await tls.run(fakeContext({ id: 'weak', address: A.weak }, [D.https!]).ctx);
    expect(failures([aspect(rs, 8443, 'versions')])).toEqual(['tls-versions#tls-1.0', 'tls-versions#tls-1.1']);
    expect(aspect(rs, 8443, 'versions').summary).toMatch(/TLS 1\.0 \[tls-versions#tls-1\.0: RFC 8996 §4/);
    expect(failures([aspect(rs, 8443, 'certificate')])).toEqual(['certificates#validity-period', 'certificates#rsa-min-2048']);
    expect(aspect(rs, 8443, 'cipher-suites').status).toBe('pass');
  });

  it('fails a chain that does not lead to the declared CA, and finds TLS on an unidentified port', async () => {
    const foreignCa = bench.devices.find((d) => d.id === 'hardened')!.caPem!;
    const rs = await tls.run(fakeContext({ id: 'mixed', address: A.mixed, declared: { services: [], tlsCa: foreignCa } }, [{ transport: 'tcp', port: 8443, state: 'open', service: 'unknown' }, D.ssh!]).ctx);
    expect(rs[0]!.target).toEqual({ transport: 'tcp', port: 8443, service: 'tls' });
    expect(failures([aspect(rs, 8443, 'certificate')])).toEqual(['certificates#chain-to-declared-ca']);
  });

  it('is inconclusive without discovery and not applicable without TLS', async () => {
    expect((await tls.run(fakeContext({ id: 'x', address: A.weak }, undefined).ctx))[0]!.status).toBe('inconclusive');
    expect((await tls.run(fakeContext({ id: 'x', address: A.weak }, [D.ssh!]).ctx))[0]!.status).toBe('not-applicable');
  });
});

describe('encryption/ssh (CTM-EN-02)', () => {
  it('passes the hardened server and fails the legacy one on each disallowed algorithm', async () => {
    const hardened = await ssh.run(fakeContext({ id: 'hardened', address: A.hardened }, [D.ssh!]).ctx);
    expect(hardened.map((r) => r.status)).toEqual(['pass']);
    const weak = await ssh.run(fakeContext({ id: 'weak', address: A.weak }, [D.ssh!]).ctx);
    expect(failures(weak)).toEqual([
      'ssh-algorithms/kex#dh-group14-sha1', 'ssh-algorithms/kex#dh-group1-sha1', 'ssh-algorithms/hostKey#ssh-rsa-sha1',
      'ssh-algorithms/cipher#cbc', 'ssh-algorithms/cipher#cbc', 'ssh-algorithms/cipher#cbc', 'ssh-algorithms/mac#hmac-md5',
    ]);
    expect(weak[0]!.data?.banner).toBe('SSH-2.0-dropbear_2014.63');
  });
});

describe('encryption/plaintext (CTM-EN-03) and encryption/coap-dtls (CTM-EN-04)', () => {
  it('fails telnet, MQTT, the HTTP admin and CoAP on the weak device; passes the hardened one', async () => {
    const weak = await plaintext.run(fakeContext({ id: 'weak', address: A.weak }, [D.ssh!, D.telnet!, D.http!, D.https!, D.mqtt!]).ctx);
    expect(failures(weak)).toEqual(['plaintext-channels#telnet', 'plaintext-channels#http-admin', 'plaintext-channels#mqtt', 'plaintext-channels#coap']);
    const hardened = await plaintext.run(fakeContext({ id: 'hardened', address: A.hardened }, [D.ssh!, D.https!, D.mqtts!]).ctx);
    expect(hardened.map((r) => r.status)).toEqual(['pass']);
  });

  it('fails CoAP offered only in clear; not applicable where there is no CoAP', async () => {
    const weak = await coapDtls.run(fakeContext({ id: 'weak', address: A.weak }, [D.ssh!]).ctx);
    expect(failures(weak)).toEqual(['dtls#coap-nosec-only']);
    expect((await coapDtls.run(fakeContext({ id: 'hardened', address: A.hardened }, []).ctx))[0]!.status).toBe('not-applicable');
  });

  it('judges CoAP over DTLS by version: DTLS 1.2 passes, DTLS 1.0 fails', async () => {
    for (const [versions, expected] of [[[0xfefd], []], [[0xfeff, 0xfefd], ['dtls/versions#dtls-1.0']]] as const) {
      const server = await startFakeDtls({ address: A.empty, port: 5684, versions: [...versions], suites: [0xc0a8] });
      try {
        const rs = await coapDtls.run(fakeContext({ id: 'dev', address: A.empty }, []).ctx);
        expect(rs.map((r) => r.target?.port)).toEqual([5684]);
        expect(failures(rs)).toEqual(expected);
        expect(rs[0]!.summary).toMatch(/modes PreSharedKey/);
      } finally {
        await server.stop();
      }
    }
  });
});

describe('encryption/shared-keys (CTM-EN-05)', () => {
  it('fails keys two units share, passes keys that differ, and cannot judge an unreachable or out-of-scope unit', async () => {
    const same = await sharedKeys.run(fakeContext({ id: 'weak', address: A.weak, samples: [{ id: 'weak2', address: A.weak2 }] }, [D.ssh!, D.https!]).ctx);
    expect(same.map((r) => `${r.target?.port} ${r.status}`)).toEqual(['8443 fail', '2222 fail']);
    expect(same[0]!.summary).toMatch(/key-uniqueness#unique-tls-key: ETSI EN 303 645 5\.4-4/);
    const differ = await sharedKeys.run(fakeContext({ id: 'mixed', address: A.mixed, samples: [{ id: 'weak', address: A.weak }] }, [D.https!]).ctx);
    expect(differ.map((r) => r.status)).toEqual(['pass']);
    const unknown = await sharedKeys.run(fakeContext({ id: 'mixed', address: A.mixed, samples: [{ id: 'gone', address: A.empty }, { id: 'far', address: '127.80.0.1' }] }, [D.https!]).ctx);
    expect(unknown[0]!.status).toBe('inconclusive');
    expect(unknown[0]!.summary).toMatch(/far \(127\.80\.0\.1 is outside network\.scope\)/);
    expect(sharedKeys.appliesTo(fakeContext({ id: 'x', address: A.weak }, []).ctx.device)).toMatch(/no other units/);
  });
});
