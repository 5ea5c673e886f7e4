/**
 * Files the real-daemon bench needs before any daemon starts: host keys, a TLS certificate,
 * daemon configs and the throwaway login account. Everything lands in one temp dir, except
 * the account, which goes into /etc/netns/<ns> so only processes inside the bench see it.
 */
import { spawn } from 'node:child_process';
import { chmodSync, chownSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { TrustlabError } from '../../harness/errors.ts';
import type { Namespace } from '../../harness/netns/namespace.ts';
import { collect, requireTool } from '../../harness/netns/process-control.ts';

/** The device login (ssh, telnet) every bench shares: a weak default on purpose. */
export const BENCH_LOGIN = { username: 'admin', password: 'admin' } as const;
/** busybox httpd basic-auth account guarding /admin on the telnet/http device. */
export const BENCH_HTTP_BASIC = { username: 'admin', password: 'admin', path: '/admin' } as const;
/** mosquitto account on the broker that refuses anonymous clients. */
export const BENCH_MQTT = { username: 'mqttuser', password: 'mqttpass1' } as const;

/** Paths of everything prepared in the bench's temp dir. */
export interface BenchFiles {
  dir: string;
  hostKey: string;
  dropbearPid: string;
  telnetLogin: string;
  telnetIssue: string;
  wwwRoot: string;
  httpdConf: string;
  mqttOpenConf: string;
  mqttAuthConf: string;
  lighttpdConf: string;
  tlsCert: string;
}

async function tool(cmd: string, pkg: string, args: string[], input?: string): Promise<string> {
  const bin = requireTool(cmd, pkg);
  const res = await collect(spawn(bin, args, { stdio: ['pipe', 'pipe', 'pipe'] }), { timeoutMs: 15_000, input });
  if (res.code !== 0) {
    throw new TrustlabError('TL_BENCH', `${cmd} ${args.join(' ')} failed (exit ${res.code})`, {
      details: [res.stderr.trim()].filter(Boolean),
    });
  }
  return res.stdout;
}

function write(file: string, content: string, mode = 0o644): string {
  writeFileSync(file, content, { mode });
  return file;
}

function freeId(used: Set<number>): number {
  let id = 4242;
  while (used.has(id)) id += 1;
  return id;
}

/**
 * Give the bench its own /etc/passwd, /etc/shadow and /etc/group (bind-mounted by `ip netns
 * exec`), adding the throwaway account and locking every other one, so the host's accounts
 * are untouched and no real password hash is copied. Returns the account's uid.
 */
async function overlayAccount(ns: Namespace, home: string): Promise<number> {
  const name = BENCH_LOGIN.username;
  const keep = (file: string): string[] =>
    readFileSync(file, 'utf8').split('\n').filter((l) => l !== '' && l.split(':')[0] !== name);
  const passwd = keep('/etc/passwd');
  const group = keep('/etc/group');
  const uid = freeId(new Set(passwd.map((l) => Number(l.split(':')[2]))));
  const gid = freeId(new Set(group.map((l) => Number(l.split(':')[2]))));
  const hash = (await tool('openssl', 'openssl', ['passwd', '-6', '-stdin'], BENCH_LOGIN.password)).trim();
  const locked = passwd.map((l) => `${l.split(':')[0]}:!*:19000:0:99999:7:::`);
  ns.overlayEtc('passwd', [...passwd, `${name}:x:${uid}:${gid}:trustlab bench:${home}:/bin/sh`, ''].join('\n'));
  ns.overlayEtc('group', [...group, `${name}:x:${gid}:`, ''].join('\n'));
  ns.overlayEtc('shadow', [...locked, `${name}:${hash}:19000:0:99999:7:::`, ''].join('\n'), 0o600);
  chownSync(home, uid, gid);
  return uid;
}

function lighttpdConf(dir: string, wwwRoot: string, pem: string, address: string): string {
  return `server.modules = ("mod_openssl")
server.document-root = "${wwwRoot}"
server.bind = "${address}"
server.port = 80
server.errorlog = "${path.join(dir, 'lighttpd-error.log')}"
index-file.names = ("index.html")
mimetype.assign = (".html" => "text/html")
$SERVER["socket"] == "${address}:443" {
  ssl.engine = "enable"
  ssl.pemfile = "${pem}"
}
`;
}

function mosquittoConf(address: string, auth: string): string {
  // `user root` keeps mosquitto from switching to the mosquitto account, which could not
  // read configs in our root-only temp dir.
  return `listener 1883 ${address}\n${auth}\npersistence false\nlog_dest stderr\nuser root\n`;
}

/** Write every key, certificate and config into dir and the login account into ns's /etc overlay. */
export async function prepareBenchFiles(
  ns: Namespace,
  dir: string,
  addr: { ssh: string; busybox: string; mqttOpen: string; mqttAuth: string; web: string },
): Promise<BenchFiles> {
  const home = path.join(dir, 'home');
  const wwwRoot = path.join(dir, 'www');
  mkdirSync(home, { mode: 0o755 });
  mkdirSync(path.join(wwwRoot, 'admin'), { recursive: true });
  // The account's shell must be able to reach its home through the temp dir.
  chmodSync(dir, 0o711);
  write(path.join(wwwRoot, 'index.html'), '<html><body>trustlab bench device</body></html>\n');
  write(path.join(wwwRoot, 'admin', 'index.html'), '<html><body>admin console</body></html>\n');

  const hostKey = path.join(dir, 'dropbear_ed25519_host_key');
  const key = path.join(dir, 'tls-key.pem');
  const tlsCert = path.join(dir, 'tls-cert.pem');
  const mqttPasswd = write(path.join(dir, 'mosquitto.passwd'), '', 0o600);
  await Promise.all([
    overlayAccount(ns, home),
    tool('dropbearkey', 'dropbear-bin', ['-t', 'ed25519', '-f', hostKey]),
    tool('openssl', 'openssl', [
      'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '2',
      '-subj', `/CN=${addr.web}`, '-addext', `subjectAltName=IP:${addr.web}`, '-keyout', key, '-out', tlsCert,
    ]),
    tool('mosquitto_passwd', 'mosquitto', ['-b', mqttPasswd, BENCH_MQTT.username, BENCH_MQTT.password]),
  ]);
  const pem = write(path.join(dir, 'tls-key-and-cert.pem'), readFileSync(key, 'utf8') + readFileSync(tlsCert, 'utf8'), 0o600);

  // busybox picks the applet from argv[0]'s basename, so a link named `login` runs its own
  // login (plain /etc/shadow, no PAM), which telnetd execs for each connection.
  const telnetLogin = path.join(dir, 'login');
  symlinkSync(requireTool('busybox', 'busybox-static'), telnetLogin);
  const { path: adminPath, username, password } = BENCH_HTTP_BASIC;
  return {
    dir,
    hostKey,
    dropbearPid: path.join(dir, 'dropbear.pid'),
    telnetLogin,
    telnetIssue: write(path.join(dir, 'issue'), 'trustlab bench telnet device\n'),
    wwwRoot,
    httpdConf: write(path.join(dir, 'httpd.conf'), `${adminPath}:${username}:${password}\n`),
    mqttOpenConf: write(path.join(dir, 'mosquitto-open.conf'), mosquittoConf(addr.mqttOpen, 'allow_anonymous true')),
    mqttAuthConf: write(
      path.join(dir, 'mosquitto-auth.conf'),
      mosquittoConf(addr.mqttAuth, `allow_anonymous false\npassword_file ${mqttPasswd}`),
    ),
    lighttpdConf: write(path.join(dir, 'lighttpd.conf'), lighttpdConf(dir, wwwRoot, pem, addr.web)),
    tlsCert,
  };
}
