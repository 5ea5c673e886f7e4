/**
 * The scan core's UDP probing and nmap -sV merge against Debian's real daemons in a network
 * namespace: libcoap's coap-server (plain CoAP) and coap-server-openssl (CoAP + DTLS on 5684),
 * a UDP listener that never answers, dropbear for version detection. `trustlab scan --udp`
 * and `trustlab run` (open-ports, ports.versionDetection: nmap) run inside the namespace.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { netnsSupport } from '../../harness/netns/namespace.ts';
import { requireTool } from '../../harness/netns/process-control.ts';
import { runInBench, startRealDaemonBench, type RealBench } from './daemons.ts';

const support = netnsSupport();
const cli = fileURLToPath(new URL('../../bin/trustlab', import.meta.url));
const COAP = '127.88.0.15';
const SSH = '127.88.0.10';
const X = { coaps: '127.88.0.31', silent: '127.88.0.32' } as const;

type Row = { address: string; transport: string; port: number; state: string; service: string; identifiedBy?: string; reply?: string };
type Service = { transport: string; port: number; state: string; service?: string; product?: string; identifiedBy?: string; banner?: string };
type Report = { devices: { id: string; discovered: { services: Service[]; scanned?: Record<string, unknown> }; results: { testId: string; status: string; summary: string; target?: { transport: string; port: number } }[] }[] };

function configFor(keyPath: string): string {
  return `lab:
  name: udp tier
  accreditation: { body: test, certificate: T, scope: tests }
  signer: { name: CI, role: robot }
  key: ${keyPath}
network:
  scope: [127.88.0.0/24]
devices:
  - id: coap
    address: ${COAP}
    product: { manufacturer: Debian, model: libcoap }
    declared: { services: [{ port: 5683, transport: tcp, service: coap-tcp }, { port: 5683, transport: udp, service: coap }] }
    ports: { tcp: "5683" }
  - id: ssh
    address: ${SSH}
    product: { manufacturer: Debian, model: dropbear }
    declared: { services: [{ port: 22, transport: tcp, service: ssh }] }
    ports: { tcp: "22", udp: "none", versionDetection: nmap }
suites: [open-ports]
`;
}

describe.skipIf(!support.ok)('UDP probing and nmap -sV on real daemons (in a namespace)', () => {
  let bench: RealBench;

  beforeAll(async () => {
    bench = await startRealDaemonBench();
    bench.ns.spawn(requireTool('coap-server-openssl', 'libcoap3-bin'), ['-A', X.coaps, '-p', '5683', '-k', 'trustlab-psk', '-v', '0'], { stdio: 'ignore' });
    // Binds 5353 and never answers: the probe gets silence, as from a firewall that drops.
    bench.ns.spawn(process.execPath, ['-e', `require('node:dgram').createSocket('udp4').bind(5353, '${X.silent}')`], { stdio: 'ignore' });
    await new Promise((r) => setTimeout(r, 500));
  }, 60_000);

  afterAll(async () => {
    await bench?.stop();
  });

  it('trustlab scan --udp finds CoAP, CoAP over DTLS and a silent port, and nothing else', async () => {
    const res = await runInBench(bench, [cli, 'scan', COAP, X.coaps, X.silent, '--ports', 'none', '--udp', '--json']);
    expect(res.code, res.stderr).toBe(0);
    const rows = res.stdout.trim().split('\n').map((l) => JSON.parse(l) as Row).sort((a, b) => a.address.localeCompare(b.address) || a.port - b.port);
    expect(rows.map((r) => `${r.address} ${r.transport}/${r.port} ${r.state} ${r.service} ${r.identifiedBy}`)).toEqual([
      `${COAP} udp/5683 open coap probe`,
      `${X.coaps} udp/5683 open coap probe`,
      `${X.coaps} udp/5684 open coaps probe`,
      `${X.silent} udp/5353 open|filtered mdns port`,
    ]);
    // libcoap answers GET /.well-known/core with its resource list.
    expect(rows[0]!.reply).toContain('</');
  });

  it('the open-ports suite reports UDP services and merges nmap -sV with its provenance', async () => {
    const keyPath = path.join(bench.dir, 'udp.key.pem');
    expect((await runInBench(bench, [cli, 'keys', 'init', '--out', keyPath])).code).toBe(0);
    const cfg = path.join(bench.dir, 'udp-lab.yaml');
    writeFileSync(cfg, configFor(keyPath));
    const run = await runInBench(bench, [cli, 'run', cfg, '--out', path.join(bench.dir, 'udp-runs')], { timeoutMs: 150_000, cwd: bench.dir });
    const runDir = path.resolve(bench.dir, /Signed run: (\S+)/.exec(run.stdout)?.[1] ?? '.');
    const report = JSON.parse(readFileSync(path.join(runDir, 'data', 'report.json'), 'utf8')) as Report;
    const coap = report.devices.find((d) => d.id === 'coap')!;
    expect(coap.discovered.services.find((s) => s.transport === 'udp' && s.port === 5683)).toMatchObject({ state: 'open', service: 'coap', identifiedBy: 'probe' });
    expect(coap.results.find((r) => r.testId === 'CTM-PT-01' && r.target?.transport === 'udp' && r.target.port === 5683)?.status).toBe('pass');
    const udpCoverage = coap.results.find((r) => r.testId === 'CTM-PT-01' && !r.target && /UDP probe list/.test(r.summary));
    expect(udpCoverage?.status).toBe('pass');
    const ssh = report.devices.find((d) => d.id === 'ssh')!;
    const sshd = ssh.discovered.services.find((s) => s.port === 22)!;
    expect(sshd).toMatchObject({ transport: 'tcp', state: 'open', service: 'ssh', identifiedBy: 'nmap' });
    expect(sshd.product).toMatch(/dropbear/i);
    expect(ssh.discovered.scanned?.versionDetection).toMatchObject({ tool: 'nmap', status: 'ran', matched: 1 });
    expect(ssh.results.find((r) => r.testId === 'CTM-PT-01' && r.target?.port === 22)?.summary).toContain('identified by nmap');
    expect(ssh.results.find((r) => r.testId === 'CTM-PT-01' && !r.target && /UDP was not scanned/.test(r.summary))?.status).toBe('inconclusive');
  }, 180_000);
});
