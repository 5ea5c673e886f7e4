/**
 * The open-ports suite against Debian's real daemons (dropbear, busybox telnetd/httpd,
 * mosquitto, lighttpd, libcoap) in a network namespace: `trustlab run` inside the namespace
 * scans all 65535 TCP ports of every device and must find exactly the ports each daemon
 * opens, fail what is undeclared or a debug service, and write a run that verifies.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { netnsSupport } from '../../harness/netns/namespace.ts';
import { runInBench, startRealDaemonBench, tierLabHeader, type BenchDevice, type RealBench } from './daemons.ts';

const support = netnsSupport();
const cli = fileURLToPath(new URL('../../bin/trustlab', import.meta.url));
// The busybox device's httpd (80) is left undeclared on purpose: the suite must fail it.
const UNDECLARED = { id: 'busybox-telnet-http', port: 80 };

interface Report {
  devices: {
    id: string;
    discovered: { services: { transport: string; port: number; state: string; service?: string }[]; scanned?: { counts?: Record<string, number> } };
    results: { testId: string; status: string; target?: { port: number }; summary: string }[];
  }[];
}

function configFor(bench: RealBench, keyPath: string): string {
  const device = (d: BenchDevice): string => {
    const services = d.expected.tcp
      .filter((p) => !(d.id === UNDECLARED.id && p === UNDECLARED.port))
      .map((p) => `{ port: ${p}, transport: tcp, service: svc-${p} }`);
    return `
  - id: ${d.id}
    address: ${d.address}
    product: { manufacturer: Debian, model: ${d.id} }
    declared: { services: [${services.join(', ')}] }
    budget: { maxSockets: 2048, attemptsPerSecond: 50 }
    ports: { tcp: all }`;
  };
  return `${tierLabHeader(keyPath)}${bench.devices.map(device).join('')}
suites: [open-ports]
`;
}

describe.skipIf(!support.ok)('open-ports on real daemons (full TCP range, in a namespace)', () => {
  let bench: RealBench;
  let report: Report;
  let runDir: string;

  beforeAll(async () => {
    bench = await startRealDaemonBench();
    const keyPath = path.join(bench.dir, 'lab.key.pem');
    const keys = await runInBench(bench, [cli, 'keys', 'init', '--out', keyPath]);
    expect(keys.code, keys.stderr).toBe(0);
    const cfg = path.join(bench.dir, 'lab.yaml');
    writeFileSync(cfg, configFor(bench, keyPath));
    const run = await runInBench(bench, [cli, 'run', cfg, '--out', path.join(bench.dir, 'runs')], { timeoutMs: 150_000, cwd: bench.dir });
    expect(run.code, `${run.stdout}\n${run.stderr}`).toBe(1);
    runDir = path.resolve(bench.dir, /Signed run: (\S+)/.exec(run.stdout)![1]!);
    report = JSON.parse(readFileSync(path.join(runDir, 'data', 'report.json'), 'utf8')) as Report;
  }, 200_000);

  afterAll(async () => {
    await bench?.stop();
  });

  it('finds exactly the open TCP ports of every daemon: none missed, none false', () => {
    for (const d of bench.devices) {
      const found = report.devices.find((x) => x.id === d.id)!.discovered.services.filter((s) => s.state === 'open' && s.transport === 'tcp').map((s) => s.port).sort((a, b) => a - b);
      expect(found, d.id).toEqual([...d.expected.tcp].sort((a, b) => a - b));
    }
  });

  it('sees the nft-dropped ports as filtered and the others as closed', () => {
    for (const d of bench.devices) {
      const counts = report.devices.find((x) => x.id === d.id)!.discovered.scanned!.counts!;
      if (d.dropsClosedTcp) expect(counts.filtered, d.id).toBe(65535 - d.expected.tcp.length);
      else expect(counts.filtered, d.id).toBe(0);
    }
  });

  it('fails the undeclared service and the telnet debug service, passes the declared ones', () => {
    const busybox = report.devices.find((x) => x.id === UNDECLARED.id)!;
    expect(busybox.results.find((r) => r.testId === 'CTM-PT-01' && r.target?.port === UNDECLARED.port)?.status).toBe('fail');
    expect(busybox.results.find((r) => r.testId === 'CTM-PT-04' && r.target?.port === 23)?.status).toBe('fail');
    const ssh = report.devices.find((x) => x.id === bench.devices.find((d) => d.expected.tcp.includes(22))!.id)!;
    expect(ssh.results.find((r) => r.testId === 'CTM-PT-01' && r.target?.port === 22)?.status).toBe('pass');
    expect(ssh.results.find((r) => r.testId === 'CTM-PT-04')?.status).toBe('pass');
    for (const dev of report.devices) {
      const coverage = dev.results.find((r) => r.testId === 'CTM-PT-01' && !r.target);
      expect(coverage?.status, dev.id).toBe('pass');
    }
  });

  it('identifies the daemons by what they say', () => {
    const services = report.devices.flatMap((d) => d.discovered.services).filter((s) => s.transport === 'tcp');
    expect(services.find((s) => s.port === 22)?.service).toBe('ssh');
    expect(services.find((s) => s.port === 23)?.service).toBe('telnet');
  });

  it('writes a run that verifies', async () => {
    const res = await runInBench(bench, [cli, 'verify', runDir]);
    expect(res.code, res.stderr).toBe(0);
  });
});
