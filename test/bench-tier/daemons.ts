/**
 * The real-daemon tier: Debian's dropbear, busybox telnetd/httpd, mosquitto, lighttpd and
 * libcoap, the daemons consumer IoT firmware ships, each on its own loopback address inside
 * a private network namespace. The test process stays outside; clients run inside through
 * runInBench, so nothing ever leaves the namespace.
 */
import { spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { TrustlabError } from '../../harness/errors.ts';
import { NETNS_ENV, createNamespace, type Namespace, type RunResult } from '../../harness/netns/namespace.ts';
import { findTool, requireTool } from '../../harness/netns/process-control.ts';
import { BENCH_HTTP_BASIC, BENCH_LOGIN, BENCH_MQTT, prepareBenchFiles, type BenchFiles } from './daemon-files.ts';
import { waitReady } from './readiness.ts';

/** A login the bench device accepts, for the default-password and auth tests. */
export interface BenchCredential {
  service: 'ssh' | 'telnet' | 'http-basic' | 'mqtt';
  port: number;
  username: string;
  password: string;
  /** For http-basic: the protected path. */
  path?: string;
}

/** One emulated device: its address, what a scan must find, and the logins it accepts. */
export interface BenchDevice {
  id: string;
  address: string;
  expected: { tcp: number[]; udp: number[] };
  /** True when nft drops (no RST) every TCP port but the expected ones, so scans see "filtered". */
  dropsClosedTcp: boolean;
  credentials?: BenchCredential[];
  /** PEM certificate the device's TLS port presents. */
  tlsCertPath?: string;
}

/** A started bench: its namespace, devices, and the one way to tear it down. */
export interface RealBench {
  ns: Namespace;
  dir: string;
  devices: BenchDevice[];
  /** Kills every daemon by pid, destroys the namespace and removes the temp dir; idempotent. */
  stop(): Promise<void>;
}

const ADDR = {
  ssh: '127.88.0.10',
  busybox: '127.88.0.11',
  mqttOpen: '127.88.0.12',
  mqttAuth: '127.88.0.13',
  web: '127.88.0.14',
  coap: '127.88.0.15',
  filtered: '127.88.0.16',
} as const;

const READY_MS = 5000;
const LIGHTTPD_OPENSSL = '/usr/lib/lighttpd/mod_openssl.so';

let busyboxChecked: string | undefined;

/** The busybox binary, after checking it has the applets the bench runs. */
function busyboxWithTelnetd(): string {
  if (busyboxChecked !== undefined) return busyboxChecked;
  const bin = requireTool('busybox', 'busybox-static');
  const applets = new Set(spawnSync(bin, ['--list'], { encoding: 'utf8', timeout: 5000 }).stdout.split('\n'));
  const missing = ['telnetd', 'httpd', 'login'].filter((a) => !applets.has(a));
  if (missing.length > 0) {
    // Debian's `busybox` package is built without telnetd; `busybox-static` (which replaces it) has it.
    throw new TrustlabError('TL_TOOL_MISSING', `${bin} lacks the applet(s) ${missing.join(', ')}`, {
      details: ['Debian package: busybox-static (replaces busybox; its build includes telnetd)'],
    });
  }
  busyboxChecked = bin;
  return bin;
}

function coapServer(): string {
  // notls first: it serves plain CoAP only, so the surface is exactly 5683 whatever the build.
  for (const name of ['coap-server-notls', 'coap-server-openssl', 'coap-server-gnutls', 'coap-server']) {
    const found = findTool(name);
    if (found !== undefined) return found;
  }
  return requireTool('coap-server', 'libcoap3-bin');
}

function preflight(): void {
  busyboxWithTelnetd();
  coapServer();
  const needed: Array<[string, string]> = [
    ['dropbear', 'dropbear-bin'],
    ['dropbearkey', 'dropbear-bin'],
    ['mosquitto', 'mosquitto'],
    ['mosquitto_passwd', 'mosquitto'],
    ['lighttpd', 'lighttpd'],
    ['openssl', 'openssl'],
  ];
  for (const [tool, pkg] of needed) requireTool(tool, pkg);
  // lighttpd loads TLS as a module that Debian packages separately.
  if (!existsSync(LIGHTTPD_OPENSSL)) {
    throw new TrustlabError('TL_TOOL_MISSING', `lighttpd's TLS module ${LIGHTTPD_OPENSSL} is missing`, {
      details: ['Debian package: lighttpd-mod-openssl'],
    });
  }
}

function devices(tlsCertPath: string): BenchDevice[] {
  const login = (service: 'ssh' | 'telnet', port: number): BenchCredential => ({ service, port, ...BENCH_LOGIN });
  const basic = BENCH_HTTP_BASIC;
  return [
    { id: 'ssh-dropbear', address: ADDR.ssh, expected: { tcp: [22], udp: [] }, dropsClosedTcp: false, credentials: [login('ssh', 22)] },
    {
      id: 'busybox-telnet-http',
      address: ADDR.busybox,
      expected: { tcp: [23, 80], udp: [] },
      dropsClosedTcp: false,
      credentials: [
        login('telnet', 23),
        { service: 'http-basic', port: 80, username: basic.username, password: basic.password, path: basic.path },
      ],
    },
    { id: 'mqtt-anonymous', address: ADDR.mqttOpen, expected: { tcp: [1883], udp: [] }, dropsClosedTcp: false },
    {
      id: 'mqtt-password',
      address: ADDR.mqttAuth,
      expected: { tcp: [1883], udp: [] },
      dropsClosedTcp: false,
      credentials: [{ service: 'mqtt', port: 1883, ...BENCH_MQTT }],
    },
    { id: 'web-lighttpd', address: ADDR.web, expected: { tcp: [80, 443], udp: [] }, dropsClosedTcp: false, tlsCertPath },
    // libcoap's server also listens for CoAP over TCP (RFC 8323) on the same port, with no
    // switch to turn that off, so 5683/tcp is part of its surface.
    { id: 'coap-libcoap', address: ADDR.coap, expected: { tcp: [5683], udp: [5683] }, dropsClosedTcp: false },
    { id: 'filtered-httpd', address: ADDR.filtered, expected: { tcp: [8080], udp: [] }, dropsClosedTcp: true },
  ];
}

interface Daemon {
  name: string;
  child: ChildProcess;
  stderr: string[];
}

function startDaemon(ns: Namespace, name: string, cmd: string, args: string[]): Daemon {
  const child = ns.spawn(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  const stderr: string[] = [];
  // Keep only the tail: enough to explain a failed start, bounded for a chatty daemon.
  child.stderr?.on('data', (b: Buffer) => {
    stderr.push(b.toString('utf8'));
    if (stderr.length > 40) stderr.shift();
  });
  return { name, child, stderr };
}

function launch(ns: Namespace, f: BenchFiles): Daemon[] {
  const busybox = busyboxWithTelnetd();
  const dropbear = requireTool('dropbear', 'dropbear-bin');
  const mosquitto = requireTool('mosquitto', 'mosquitto');
  const lighttpd = requireTool('lighttpd', 'lighttpd');
  return [
    // -w no root logins (root is locked in the bench's shadow anyway), -j/-k no port forwarding: a shell on the bench must not reach further.
    startDaemon(ns, 'dropbear', dropbear, [
      '-F', '-E', '-m', '-w', '-j', '-k', '-p', `${ADDR.ssh}:22`, '-r', f.hostKey, '-P', f.dropbearPid,
    ]),
    startDaemon(ns, 'busybox telnetd', busybox, ['telnetd', '-F', '-b', `${ADDR.busybox}:23`, '-l', f.telnetLogin, '-f', f.telnetIssue]),
    startDaemon(ns, 'busybox httpd', busybox, ['httpd', '-f', '-p', `${ADDR.busybox}:80`, '-h', f.wwwRoot, '-c', f.httpdConf]),
    startDaemon(ns, 'mosquitto (anonymous)', mosquitto, ['-c', f.mqttOpenConf]),
    startDaemon(ns, 'mosquitto (password)', mosquitto, ['-c', f.mqttAuthConf]),
    startDaemon(ns, 'lighttpd', lighttpd, ['-D', '-f', f.lighttpdConf]),
    startDaemon(ns, 'coap-server', coapServer(), ['-A', ADDR.coap, '-p', '5683']),
    startDaemon(ns, 'busybox httpd (filtered)', busybox, ['httpd', '-f', '-p', `${ADDR.filtered}:8080`, '-h', f.wwwRoot, '-c', f.httpdConf]),
  ];
}

function describeDead(daemons: Daemon[]): string[] {
  return daemons
    .filter((d) => d.child.exitCode !== null || d.child.signalCode !== null)
    .map((d) => `${d.name} exited (${d.child.exitCode ?? d.child.signalCode}): ${d.stderr.join('').trim().slice(-400)}`);
}

/** Start every daemon in a fresh namespace and resolve once each answers; stop() undoes it all. */
export async function startRealDaemonBench(): Promise<RealBench> {
  // Check the tools before creating anything, so a missing package costs no setup and teardown.
  preflight();
  const ns = await createNamespace('bench');
  const dir = mkdtempSync(path.join(tmpdir(), 'tl-bench-'));
  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopping ??= ns.destroy().finally(() => rmSync(dir, { recursive: true, force: true }));
    return stopping;
  };
  try {
    const files = await prepareBenchFiles(ns, dir, ADDR);
    const daemons = launch(ns, files);
    const list = devices(files.tlsCert);
    await ns.dropTcpExcept(ADDR.filtered, list.find((d) => d.dropsClosedTcp)?.expected.tcp ?? []);
    const tcp = list.flatMap((d) => d.expected.tcp.map((port) => ({ host: d.address, port })));
    const missing = await waitReady(ns, { tcp, coap: [{ host: ADDR.coap, port: 5683 }] }, READY_MS);
    const dead = describeDead(daemons);
    if (missing.tcp.length + missing.coap.length + dead.length > 0) {
      const details = [
        ...missing.tcp.map((t) => `no answer on ${t.host}:${t.port}/tcp within ${READY_MS} ms`),
        ...missing.coap.map((t) => `no CoAP answer on ${t.host}:${t.port}/udp within ${READY_MS} ms`),
        ...dead,
      ];
      throw new TrustlabError('TL_BENCH', 'the real-daemon bench did not come up', { details });
    }
    return { ns, dir, devices: list, stop };
  } catch (e) {
    await stop();
    throw e;
  }
}

/** Run `node ...nodeArgs` inside the bench's namespace (NETNS_ENV set), e.g. the trustlab CLI. */
export function runInBench(
  bench: RealBench,
  nodeArgs: string[],
  opts: { timeoutMs?: number; input?: string; cwd?: string; env?: NodeJS.ProcessEnv } = {},
): Promise<RunResult> {
  return bench.ns.run(process.execPath, nodeArgs, {
    timeoutMs: opts.timeoutMs ?? 60_000,
    input: opts.input,
    cwd: opts.cwd,
    env: { ...(opts.env ?? process.env), [NETNS_ENV]: bench.ns.name },
  });
}

/** The lab, scope and `devices:` key every tier test's config starts with (devices follow). */
export function tierLabHeader(keyPath: string): string {
  return `lab:
  name: real-daemon tier
  accreditation: { body: test, certificate: T, scope: tests }
  signer: { name: CI, role: robot }
  key: ${keyPath}
network:
  scope: [127.88.0.0/24]
devices:`;
}
