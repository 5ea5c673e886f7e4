/**
 * The default-passwords suite against Debian's real daemons in a network namespace: dropbear
 * with the bench account admin/admin, busybox telnetd running busybox /bin/login (3 s failure
 * delay) and busybox httpd basic auth on /admin, mosquitto with and without allow_anonymous,
 * and vsftpd with anonymous FTP. `trustlab run` must find exactly what was planted: those
 * default credentials and anonymous accesses, and nothing on the password-protected broker.
 * An adapter entry run inside the namespace checks MQTT 5 against mosquitto and FTP against vsftpd.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { netnsSupport } from '../../harness/netns/namespace.ts';
import { requireTool } from '../../harness/netns/process-control.ts';
import { runInBench, startRealDaemonBench, tierLabHeader, type RealBench } from './daemons.ts';
import { waitReady } from './readiness.ts';

const support = netnsSupport();
const cli = fileURLToPath(new URL('../../bin/trustlab', import.meta.url));
const entry = fileURLToPath(new URL('./login-entry.ts', import.meta.url));
const FTP = '127.88.0.30';
type Result = { testId: string; status: string; summary: string; target?: { port: number }; data?: Record<string, unknown> };
type Report = { devices: { id: string; results: Result[] }[] };

/** vsftpd with anonymous read-only FTP on its own address; passive ports stay on that address. */
export function startVsftpd(bench: RealBench): void {
  const d = bench.dir;
  mkdirSync(`${d}/ftp-root`, { mode: 0o555 });
  mkdirSync(`${d}/ftp-empty`, { mode: 0o555 });
  writeFileSync(`${d}/vsftpd.conf`, [
    'listen=YES', `listen_address=${FTP}`, 'listen_port=21', 'background=NO', 'anonymous_enable=YES', 'local_enable=NO', 'write_enable=NO',
    `anon_root=${d}/ftp-root`, `secure_chroot_dir=${d}/ftp-empty`, 'seccomp_sandbox=NO', 'xferlog_enable=NO', 'pasv_min_port=40000', 'pasv_max_port=40010', '',
  ].join('\n'));
  bench.ns.spawn(requireTool('vsftpd', 'vsftpd'), [`${d}/vsftpd.conf`], { stdio: 'ignore' });
}

function config(keyPath: string): string {
  const dev = (id: string, address: string, services: string): string => `
  - id: ${id}
    address: ${address}
    product: { manufacturer: Debian, model: ${id} }
    declared: { services: [${services}], passwords: user-defined-at-setup }
    budget: { maxSockets: 64, attemptsPerSecond: 200 }
    ports: { tcp: "21-23,80,1883" }`;
  const s = (port: number, service: string): string => `{ port: ${port}, transport: tcp, service: ${service}, auth: password }`;
  return `${tierLabHeader(keyPath)}${dev('ssh-dropbear', '127.88.0.10', s(22, 'ssh'))}${dev('busybox-telnet-http', '127.88.0.11', `${s(23, 'telnet')}, ${s(80, 'http')}`)}${dev('mqtt-anonymous', '127.88.0.12', s(1883, 'mqtt'))}${dev('mqtt-password', '127.88.0.13', s(1883, 'mqtt'))}${dev('vsftpd', FTP, s(21, 'ftp'))}
suites: [open-ports, default-passwords]
`;
}

describe.skipIf(!support.ok)('default-passwords suite on real daemons', () => {
  let bench: RealBench;
  let report: Report;
  const results = (id: string, testId: string): Result[] => report.devices.find((d) => d.id === id)!.results.filter((r) => r.testId === testId);
  const fails = (id: string): string[] => results(id, 'CTM-DP-02').filter((r) => r.status === 'fail').map((r) => `${r.target?.port} ${r.data?.anonymous ? 'anonymous' : `${String(r.data?.username)}/${String(r.data?.password)}`}`).sort();

  beforeAll(async () => {
    bench = await startRealDaemonBench();
    startVsftpd(bench);
    expect(await waitReady(bench.ns, { tcp: [{ host: FTP, port: 21 }], coap: [] }, 5000)).toEqual({ tcp: [], coap: [] });
    const keyPath = path.join(bench.dir, 'lab.key.pem');
    expect((await runInBench(bench, [cli, 'keys', 'init', '--out', keyPath])).code).toBe(0);
    const cfg = path.join(bench.dir, 'dp.yaml');
    writeFileSync(cfg, config(keyPath));
    const run = await runInBench(bench, [cli, 'run', cfg, '--out', path.join(bench.dir, 'runs')], { timeoutMs: 280_000, cwd: bench.dir });
    expect(run.code, `${run.stdout}\n${run.stderr}`).toBe(1);
    const runDir = path.resolve(bench.dir, /Signed run: (\S+)/.exec(run.stdout)![1]!);
    report = JSON.parse(readFileSync(path.join(runDir, 'data', 'report.json'), 'utf8')) as Report;
  }, 320_000);

  afterAll(async () => {
    await bench?.stop();
  });

  it('finds every planted default credential and anonymous access, and nothing else', () => {
    expect(fails('ssh-dropbear')).toEqual(['22 admin/admin']);
    expect(fails('busybox-telnet-http')).toEqual(['23 admin/admin', '80 admin/admin']);
    expect(fails('mqtt-anonymous')).toEqual(['1883 anonymous']);
    expect(fails('mqtt-password')).toEqual([]);
    expect(results('mqtt-password', 'CTM-DP-02').map((r) => r.status)).toEqual(['pass']);
    expect(fails('vsftpd')).toEqual(['21 anonymous']);
  });

  it('measures brute-force behaviour on every password surface and reports busybox login\'s delay as protection', () => {
    for (const id of ['ssh-dropbear', 'busybox-telnet-http', 'mqtt-password']) {
      for (const r of results(id, 'CTM-DP-06')) expect(['pass', 'fail'], r.summary).toContain(r.status);
    }
    const telnet = results('busybox-telnet-http', 'CTM-DP-06').find((r) => r.target?.port === 23)!;
    expect(telnet.status, telnet.summary).toBe('pass');
    expect(Number(telnet.data?.medianMs)).toBeGreaterThanOrEqual(1000);
  });

  it('fails telnet, HTTP basic and plaintext MQTT credentials in clear; SSH passes', () => {
    const st = (id: string, port: number): string | undefined => results(id, 'CTM-DP-07').find((r) => r.target?.port === port)?.status;
    expect([st('busybox-telnet-http', 23), st('busybox-telnet-http', 80), st('mqtt-password', 1883), st('ssh-dropbear', 22)]).toEqual(['fail', 'fail', 'fail', 'pass']);
  });

  it('speaks MQTT 5 to mosquitto and logs in to vsftpd (adapter contract, inside the namespace)', async () => {
    const res = await runInBench(bench, ['--import', 'tsx', entry], { timeoutMs: 60_000 });
    expect(res.code, res.stderr).toBe(0);
    const got = JSON.parse(res.stdout) as Record<string, string>;
    expect(got).toMatchObject({ mqtt5Anonymous: 'accepted', mqtt5Auth: 'accepted', mqtt5Wrong: 'rejected', mqtt5NoCreds: 'rejected', ftpAnonymous: 'accepted', ftpWrong: 'rejected' });
  });
});
