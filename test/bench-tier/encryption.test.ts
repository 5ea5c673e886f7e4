/**
 * The encryption suite against Debian's real daemons in a network namespace: lighttpd with a
 * modern and a legacy TLS setup, mosquitto over TLS, dropbear, busybox telnetd/httpd, plain
 * mosquitto and libcoap's DTLS server, plus a "cloned" unit that reuses one unit's TLS key and
 * SSH host key. `trustlab run` judges them; the TLS versions are cross-checked with
 * `openssl s_client`, the SSH algorithm lists with nmap's ssh2-enum-algos, DTLS with s_client.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { netnsSupport } from '../../harness/netns/namespace.ts';
import { findTool, requireTool } from '../../harness/netns/process-control.ts';
import { runInBench, startRealDaemonBench, tierLabHeader, type RealBench } from './daemons.ts';
import { waitReady } from './readiness.ts';

const support = netnsSupport();
const cli = fileURLToPath(new URL('../../bin/trustlab', import.meta.url));
const X = { mqtts: '127.88.0.20', legacyWeb: '127.88.0.21', coaps: '127.88.0.22', twin: '127.88.0.23' } as const;
const PSK = 'trustlab-psk';
type Result = { testId: string; status: string; summary: string; target?: { port: number; transport: string }; data?: Record<string, unknown> };
type Report = { devices: { id: string; results: Result[] }[] };

function openssl(args: string[]): void {
  const res = spawnSync(requireTool('openssl', 'openssl'), args, { encoding: 'utf8', timeout: 20_000 });
  if (res.status !== 0) throw new Error(`openssl ${args.join(' ')}: ${res.stderr}`);
}

function startExtras(bench: RealBench): void {
  const d = bench.dir;
  openssl(['req', '-x509', '-newkey', 'rsa:1024', '-sha1', '-nodes', '-days', '30', '-subj', `/CN=${X.legacyWeb}`, '-keyout', `${d}/legacy.key`, '-out', `${d}/legacy.crt`]);
  openssl(['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '2', '-subj', `/CN=${X.mqtts}`, '-addext', `subjectAltName=IP:${X.mqtts}`, '-keyout', `${d}/mq.key`, '-out', `${d}/mq.crt`]);
  writeFileSync(`${d}/legacy.pem`, readFileSync(`${d}/legacy.key`, 'utf8') + readFileSync(`${d}/legacy.crt`, 'utf8'));
  const lighttpd = (name: string, address: string, pem: string, extra: string): string => {
    const file = `${d}/${name}.conf`;
    writeFileSync(file, `server.modules = ("mod_openssl")\nserver.document-root = "${d}/www"\nserver.bind = "${address}"\nserver.port = 443\n` +
      `server.errorlog = "${d}/${name}-error.log"\nssl.engine = "enable"\nssl.pemfile = "${pem}"\n${extra}\n`);
    return file;
  };
  // Old firmware's web server: TLS 1.0 allowed, a SHA-1 RSA-1024 self-signed certificate without the IP.
  const legacy = lighttpd('legacy', X.legacyWeb, `${d}/legacy.pem`, 'ssl.openssl.ssl-conf-cmd = ("MinProtocol" => "TLSv1", "CipherString" => "DEFAULT:@SECLEVEL=0")');
  // A second unit flashed from the same image: the first unit's TLS key and SSH host key.
  const twin = lighttpd('twin', X.twin, `${d}/tls-key-and-cert.pem`, '');
  writeFileSync(`${d}/mqtts.conf`, `listener 8883 ${X.mqtts}\ncertfile ${d}/mq.crt\nkeyfile ${d}/mq.key\nallow_anonymous true\npersistence false\nlog_dest stderr\nuser root\n`);
  bench.ns.spawn(requireTool('lighttpd', 'lighttpd'), ['-D', '-f', legacy], { stdio: 'ignore' });
  bench.ns.spawn(requireTool('lighttpd', 'lighttpd'), ['-D', '-f', twin], { stdio: 'ignore' });
  bench.ns.spawn(requireTool('mosquitto', 'mosquitto'), ['-c', `${d}/mqtts.conf`], { stdio: 'ignore' });
  bench.ns.spawn(requireTool('dropbear', 'dropbear-bin'), ['-F', '-E', '-m', '-w', '-j', '-k', '-p', `${X.twin}:22`, '-r', `${d}/dropbear_ed25519_host_key`, '-P', `${d}/twin.pid`], { stdio: 'ignore' });
  bench.ns.spawn(requireTool('coap-server-openssl', 'libcoap3-bin'), ['-A', X.coaps, '-p', '5683', '-k', PSK, '-v', '0'], { stdio: 'ignore' });
}

function config(bench: RealBench, keyPath: string): string {
  const dev = (id: string, address: string, services: string, extra = ''): string => `
  - id: ${id}
    address: ${address}
    product: { manufacturer: Debian, model: ${id} }
    declared: { services: [${services}]${extra} }
    budget: { maxSockets: 256, attemptsPerSecond: 50 }
    ports: { tcp: "21-23,80,443,1883,5683,8883" }`;
  const s = (port: number, service: string, transport = 'tcp'): string => `{ port: ${port}, transport: ${transport}, service: ${service} }`;
  return `${tierLabHeader(keyPath)}${dev('ssh-dropbear', '127.88.0.10', s(22, 'ssh'))}
    samples: [{ id: twin, address: ${X.twin} }]${dev('busybox-telnet-http', '127.88.0.11', `${s(23, 'telnet')}, ${s(80, 'http')}`)}${dev('mqtt-anonymous', '127.88.0.12', s(1883, 'mqtt'))}${dev('web-lighttpd', '127.88.0.14', `${s(80, 'http')}, ${s(443, 'https')}`, `, tlsCa: ${bench.devices.find((x) => x.id === 'web-lighttpd')!.tlsCertPath}`)}
    samples: [{ id: twin, address: ${X.twin} }]${dev('legacy-web', X.legacyWeb, s(443, 'https'))}${dev('mqtts', X.mqtts, s(8883, 'mqtts'))}${dev('coaps', X.coaps, `${s(5683, 'coap', 'udp')}, ${s(5684, 'coaps', 'udp')}, ${s(5683, 'coap')}`)}
suites: [open-ports, encryption]
`;
}

describe.skipIf(!support.ok)('encryption suite on real daemons', () => {
  let bench: RealBench;
  let report: Report;
  let evidenceDir: string;
  const results = (id: string, testId: string): Result[] => report.devices.find((d) => d.id === id)!.results.filter((r) => r.testId === testId);
  const accepted = (id: string, port: number): string[] =>
    ((results(id, 'CTM-EN-01').find((r) => r.target?.port === port && r.data?.aspect === 'versions')!.data!.versions) as { version: string; accepted: boolean }[])
      .filter((v) => v.accepted).map((v) => v.version);
  const sClient = async (address: string, port: number, flag: string, extra: string[] = []): Promise<boolean> => {
    const res = await bench.ns.run(requireTool('openssl', 'openssl'), ['s_client', '-connect', `${address}:${port}`, flag, ...extra], { input: '', timeoutMs: 15_000 });
    return /Cipher is (?!\(NONE\))/.test(res.stdout);
  };

  beforeAll(async () => {
    bench = await startRealDaemonBench();
    startExtras(bench);
    const missing = await waitReady(bench.ns, {
      tcp: [{ host: X.legacyWeb, port: 443 }, { host: X.twin, port: 443 }, { host: X.twin, port: 22 }, { host: X.mqtts, port: 8883 }],
      coap: [{ host: X.coaps, port: 5683 }],
    }, 5000);
    expect(missing).toEqual({ tcp: [], coap: [] });
    const keyPath = path.join(bench.dir, 'lab.key.pem');
    expect((await runInBench(bench, [cli, 'keys', 'init', '--out', keyPath])).code).toBe(0);
    const cfg = path.join(bench.dir, 'enc.yaml');
    writeFileSync(cfg, config(bench, keyPath));
    const run = await runInBench(bench, [cli, 'run', cfg, '--out', path.join(bench.dir, 'runs')], { timeoutMs: 150_000, cwd: bench.dir });
    expect(run.code, `${run.stdout}\n${run.stderr}`).toBe(1);
    const runDir = path.resolve(bench.dir, /Signed run: (\S+)/.exec(run.stdout)![1]!);
    report = JSON.parse(readFileSync(path.join(runDir, 'data', 'report.json'), 'utf8')) as Report;
    evidenceDir = path.join(runDir, 'data', 'evidence');
  }, 200_000);

  afterAll(async () => {
    await bench?.stop();
  });

  it('agrees with openssl s_client on every TLS version of every TLS daemon', async () => {
    const flags = { 'TLS 1.0': '-tls1', 'TLS 1.1': '-tls1_1', 'TLS 1.2': '-tls1_2', 'TLS 1.3': '-tls1_3' } as const;
    for (const [id, address, port] of [['web-lighttpd', '127.88.0.14', 443], ['legacy-web', X.legacyWeb, 443], ['mqtts', X.mqtts, 8883]] as const) {
      const ours = accepted(id, port);
      for (const [version, flag] of Object.entries(flags)) {
        expect(ours.includes(version), `${id} ${version}`).toBe(await sClient(address, port, flag, ['-cipher', 'DEFAULT:@SECLEVEL=0']));
      }
    }
    expect(accepted('legacy-web', 443)).toEqual(expect.arrayContaining(['TLS 1.0', 'TLS 1.1']));
  });

  it('passes modern lighttpd (chain to its declared CA included) and mosquitto over TLS; fails the legacy server with named clauses', () => {
    for (const id of ['web-lighttpd', 'mqtts']) {
      const r = results(id, 'CTM-EN-01');
      expect(r.map((x) => `${x.data?.aspect} ${x.status}`), JSON.stringify(r.map((x) => x.summary))).toEqual(['versions pass', 'cipher-suites pass', 'certificate pass']);
    }
    const chain = (results('web-lighttpd', 'CTM-EN-01')[2]!.data!.judgements as { entry?: string; status: string }[]).find((j) => j.entry === 'certificates#chain-to-declared-ca');
    expect(chain?.status).toBe('allowed');
    const legacy = results('legacy-web', 'CTM-EN-01').filter((r) => r.status === 'fail').map((r) => r.summary).join('\n');
    for (const clause of ['tls-versions#tls-1.0: RFC 8996 §4', 'certificates#rsa-min-2048', 'certificates#sha1', 'certificates#address-in-san']) expect(legacy).toContain(clause);
  });

  it('reads the same SSH algorithms from dropbear as nmap ssh2-enum-algos, and judges each', async () => {
    const nmap = await bench.ns.run(findTool('nmap') ?? requireTool('nmap', 'nmap'), ['-n', '-Pn', '-p', '22', '--script', 'ssh2-enum-algos', '-oX', '-', '127.88.0.10'], { timeoutMs: 60_000 });
    const list = (key: string): string[] => {
      const m = new RegExp(`<table key="${key}">([\\s\\S]*?)</table>`).exec(nmap.stdout);
      return [...(m?.[1] ?? '').matchAll(/<elem>([^<]+)<\/elem>/g)].map((x) => x[1]!).sort();
    };
    const file = readdirSync(evidenceDir).find((f) => f.endsWith('ssh-dropbear-ssh-22-kexinit.json'))!;
    const ours = JSON.parse(readFileSync(path.join(evidenceDir, file), 'utf8')) as { kexinit: Record<string, string[]> };
    expect([...ours.kexinit.kex!].sort()).toEqual(list('kex_algorithms'));
    expect([...ours.kexinit.hostKey!].sort()).toEqual(list('server_host_key_algorithms'));
    expect([...ours.kexinit.cipherServerToClient!].sort()).toEqual(list('encryption_algorithms'));
    expect([...ours.kexinit.macServerToClient!].sort()).toEqual(list('mac_algorithms'));
    const ssh = results('ssh-dropbear', 'CTM-EN-02')[0]!;
    const judged = (ssh.data!.judgements as { item: string; entry?: string }[]);
    expect(judged.filter((j) => j.item.startsWith('kex ')).length).toBe(ours.kexinit.kex!.length);
    for (const f of ssh.data!.failures as { entry: string; clause: string }[]) expect(f.clause.length).toBeGreaterThan(5);
  });

  it('fails the plaintext channels: telnet, the busybox admin page, MQTT on 1883 and CoAP without DTLS', () => {
    const fails = (id: string): string[] => results(id, 'CTM-EN-03').filter((r) => r.status === 'fail').map((r) => `${r.target?.transport}/${r.target?.port}`);
    expect(fails('busybox-telnet-http')).toEqual(['tcp/23', 'tcp/80']);
    expect(fails('mqtt-anonymous')).toEqual(['tcp/1883']);
    expect(fails('coaps')).toContain('udp/5683');
    expect(results('mqtts', 'CTM-EN-03')[0]!.status).toBe('pass');
  });

  it('finds libcoap on DTLS 1.2 in PSK mode, as s_client confirms, and no DTLS 1.0', async () => {
    const r = results('coaps', 'CTM-EN-04');
    expect(r.map((x) => `${x.target?.port} ${x.status}`)).toEqual(['5684 pass']);
    expect(r[0]!.summary).toMatch(/DTLS 1\.2; modes PreSharedKey/);
    const psk = ['-psk', Buffer.from(PSK).toString('hex'), '-psk_identity', 'trustlab'];
    expect(await sClient(X.coaps, 5684, '-dtls1_2', psk)).toBe(true);
    expect(await sClient(X.coaps, 5684, '-dtls1', psk)).toBe(false);
  });

  it('fails the cloned unit: same TLS key on 443 and same SSH host key on 22', () => {
    expect(results('web-lighttpd', 'CTM-EN-05').filter((r) => r.target?.port === 443).map((r) => r.status)).toEqual(['fail']);
    expect(results('ssh-dropbear', 'CTM-EN-05').map((r) => r.status)).toEqual(['fail']);
    expect(results('mqtts', 'CTM-EN-05')[0]!.status).toBe('not-applicable');
  });
});
