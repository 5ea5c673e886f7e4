/**
 * The real-daemon bench against a reference scanner: nmap, run inside the namespace, must see
 * exactly the ports each device declares, "filtered" behind the nft drop, and CoAP on UDP;
 * then real clients check the logins the bench advertises. Everything started here is torn
 * down in afterAll, and the test checks that no namespace of this process survives.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { netnsSupport } from '../../harness/netns/namespace.ts';
import { runInBench, startRealDaemonBench, type BenchDevice, type RealBench } from './daemons.ts';

const support = netnsSupport();
// Ports no bench daemon listens on, mixed into every scan so "closed" is tested too.
const CLOSED_PROBES = [21, 25, 81, 2323, 5684, 8081, 8443];
const NMAP_LIMIT_MS = 20_000;

type PortStates = Map<number, string>;

/** Port -> state from nmap's XML (`<port protocol=".." portid="N"><state state="S"`). */
function parseNmapXml(xml: string, protocol: 'tcp' | 'udp'): PortStates {
  const states: PortStates = new Map();
  const re = /<port protocol="(tcp|udp)" portid="(\d+)"><state state="([^"]+)"/g;
  for (const m of xml.matchAll(re)) {
    if (m[1] === protocol) states.set(Number(m[2]), m[3]!);
  }
  return states;
}

async function nmap(bench: RealBench, args: string[], address: string, protocol: 'tcp' | 'udp'): Promise<PortStates> {
  // -n: no DNS, -Pn: no ping; retries and RTT capped so dropped ports cost ~1 s, not minutes.
  const res = await bench.ns.run('nmap', ['-n', '-Pn', '--max-retries', '1', '--max-rtt-timeout', '500ms', ...args, '-oX', '-', address], {
    timeoutMs: NMAP_LIMIT_MS,
  });
  expect(res.timedOut, `nmap ${address} timed out`).toBe(false);
  expect(res.code, res.stderr).toBe(0);
  return parseNmapXml(res.stdout, protocol);
}

function probePorts(d: BenchDevice): number[] {
  return [...new Set([...d.expected.tcp, ...CLOSED_PROBES])].sort((a, b) => a - b);
}

describe.skipIf(!support.ok)(`real-daemon bench (${support.ok ? 'root' : support.reason})`, () => {
  let bench: RealBench | undefined;
  let startMs = 0;

  beforeAll(async () => {
    const t0 = Date.now();
    bench = await startRealDaemonBench();
    startMs = Date.now() - t0;
  });

  afterAll(async () => {
    const name = bench?.ns.name;
    const dir = bench?.dir;
    await bench?.stop();
    const left = spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' }).stdout;
    expect(left).not.toContain(`-${process.pid}-`);
    if (name !== undefined) expect(existsSync(`/etc/netns/${name}`)).toBe(false);
    if (dir !== undefined) expect(existsSync(dir)).toBe(false);
  });

  function live(): RealBench {
    if (bench === undefined) throw new Error('bench did not start');
    return bench;
  }

  it('starts every daemon within the readiness bound', () => {
    expect(live().devices.map((d) => d.id)).toEqual([
      'ssh-dropbear',
      'busybox-telnet-http',
      'mqtt-anonymous',
      'mqtt-password',
      'web-lighttpd',
      'coap-libcoap',
      'filtered-httpd',
    ]);
    expect(startMs).toBeLessThan(15_000);
  });

  it('nmap -sT sees exactly the expected TCP ports open on each device', async () => {
    const b = live();
    const scans = await Promise.all(
      b.devices.map(async (d) => ({ d, states: await nmap(b, ['-sT', '-p', probePorts(d).join(',')], d.address, 'tcp') })),
    );
    for (const { d, states } of scans) {
      const open = [...states].filter(([, s]) => s === 'open').map(([p]) => p);
      expect(open, d.id).toEqual([...d.expected.tcp].sort((a, b2) => a - b2));
      const other = probePorts(d).filter((p) => !d.expected.tcp.includes(p));
      const wanted = d.dropsClosedTcp ? 'filtered' : 'closed';
      for (const p of other) expect(states.get(p), `${d.id} port ${p}`).toBe(wanted);
    }
  });

  it('nmap -sU sees the CoAP port as open or open|filtered', async () => {
    const b = live();
    const coap = b.devices.find((d) => d.expected.udp.includes(5683));
    expect(coap).toBeDefined();
    const states = await nmap(b, ['-sU', '-p', '5683'], coap!.address, 'udp');
    expect(['open', 'open|filtered']).toContain(states.get(5683));
  });

  it('accepts the advertised logins and refuses the wrong ones', async () => {
    const b = live();
    const res = await runInBench(b, ['--import', 'tsx', 'test/bench-tier/service-probes.ts', JSON.stringify(b.devices)], {
      cwd: process.cwd(),
      timeoutMs: 30_000,
    });
    expect(res.code, res.stderr).toBe(0);
    expect(JSON.parse(res.stdout)).toEqual({
      'ssh-dropbear/ssh/good': 'accepted admin',
      'ssh-dropbear/ssh/bad': 'rejected',
      'busybox-telnet-http/telnet/good': 'accepted admin',
      'busybox-telnet-http/http-basic/none': 401,
      'busybox-telnet-http/http-basic/good': 200,
      'busybox-telnet-http/http-basic/public': 200,
      'mqtt-anonymous/anonymous': 'accepted',
      'mqtt-password/mqtt/anonymous': 'rejected',
      'mqtt-password/mqtt/good': 'accepted',
      'web-lighttpd/http': 200,
      'web-lighttpd/tls': 'bench-cert',
    });
  });

  it('keeps the bench account out of the host /etc/passwd', () => {
    const host = spawnSync('getent', ['passwd', 'admin'], { encoding: 'utf8' });
    const inside = spawnSync('ip', ['netns', 'exec', live().ns.name, 'getent', 'passwd', 'admin'], { encoding: 'utf8' });
    expect(inside.stdout).toContain('trustlab bench');
    expect(host.stdout).not.toContain('trustlab bench');
  });
});
