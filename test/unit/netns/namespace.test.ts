/**
 * Network namespace behaviour on the real kernel: creation and naming, commands run inside,
 * nft drops that make a port time out instead of refusing, teardown, and re-execution.
 * Runs as root (this machine and CI); skipped with the reason elsewhere.
 */
import { spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  NETNS_ENV,
  createNamespace,
  currentNamespace,
  dropTcpRuleset,
  netnsSupport,
  reexecInNamespace,
  type Namespace,
} from '../../../harness/netns/namespace.ts';
import { TrustlabError } from '../../../harness/errors.ts';

const support = netnsSupport();
const created: Namespace[] = [];

async function make(label: string): Promise<Namespace> {
  const ns = await createNamespace(label);
  created.push(ns);
  return ns;
}

function listNamespaces(): string {
  return spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' }).stdout;
}

// Runs inside the namespace: one TCP connect, reported as open / refused / timeout.
const PROBE = `
const [host, port, ms] = process.argv.slice(1);
const s = require('node:net').connect(Number(port), host);
const done = (r) => { console.log(r); s.destroy(); process.exit(0); };
s.setTimeout(Number(ms), () => done('timeout'));
s.on('connect', () => done('open'));
s.on('error', (e) => done(e.code === 'ECONNREFUSED' ? 'refused' : e.code));
`;

async function probe(ns: Namespace, host: string, port: number, ms = 700): Promise<string> {
  const res = await ns.run(process.execPath, ['-e', PROBE, host, String(port), String(ms)], { timeoutMs: 5000 });
  return res.stdout.trim();
}

function listen(ns: Namespace, host: string, port: number): Promise<ChildProcess> {
  const script = `require('node:net').createServer((s) => s.end()).listen(${port}, '${host}', () => console.log('ready'))`;
  const child = ns.spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('listener did not start within 3 s')), 3000);
    child.stdout?.once('data', () => {
      clearTimeout(timer);
      resolve(child);
    });
  });
}

afterAll(async () => {
  await Promise.allSettled(created.map((ns) => ns.destroy()));
  const left = listNamespaces();
  expect(left).not.toContain(`-${process.pid}-`);
});

describe('dropTcpRuleset', () => {
  it('drops all TCP but the listed ports for one address', () => {
    const rules = dropTcpRuleset('127.88.0.5', [80, 443, 80]);
    expect(rules).toContain('add rule inet tl input ip daddr 127.88.0.5 tcp dport != { 80, 443 } drop');
    expect(dropTcpRuleset('::1', [])).toContain('ip6 daddr ::1 meta l4proto tcp drop');
  });

  it('refuses what is not an address or a port', () => {
    expect(() => dropTcpRuleset('localhost', [80])).toThrow(TrustlabError);
    expect(() => dropTcpRuleset('127.0.0.1', [70000])).toThrow(/1-65535/);
  });
});

describe('currentNamespace', () => {
  it('reads the namespace from the environment', () => {
    const saved = process.env[NETNS_ENV];
    try {
      process.env[NETNS_ENV] = 'tl-x-1-1';
      expect(currentNamespace()).toBe('tl-x-1-1');
      delete process.env[NETNS_ENV];
      expect(currentNamespace()).toBeUndefined();
    } finally {
      if (saved === undefined) delete process.env[NETNS_ENV];
      else process.env[NETNS_ENV] = saved;
    }
  });
});

describe.skipIf(!support.ok)(`network namespaces (${support.ok ? 'root' : support.reason})`, () => {
  it('creates a uniquely named namespace with loopback up', async () => {
    const a = await make('unit');
    const b = await make('unit');
    expect(a.name).toMatch(new RegExp(`^tl-unit-${process.pid}-\\d+$`));
    expect(a.name).not.toBe(b.name);
    expect(listNamespaces()).toContain(a.name);
    const link = await a.run('ip', ['-o', 'link', 'show', 'lo'], { timeoutMs: 5000 });
    expect(link.stdout).toMatch(/\bUP\b/);
    const links = await a.run('ip', ['-o', 'link'], { timeoutMs: 5000 });
    expect(links.stdout.trim().split('\n')).toHaveLength(1);
  });

  it('runs commands with input, exit codes and a deadline', async () => {
    const ns = await make('run');
    const echo = await ns.run('cat', [], { input: 'hello' });
    expect(echo).toMatchObject({ code: 0, stdout: 'hello', timedOut: false });
    expect((await ns.run('sh', ['-c', 'exit 3'])).code).toBe(3);
    const slow = await ns.run('sleep', ['10'], { timeoutMs: 200 });
    expect(slow).toMatchObject({ code: 124, timedOut: true });
  });

  it('makes dropped ports time out (no RST) while the open port connects', async () => {
    const ns = await make('drop');
    await listen(ns, '127.88.0.5', 8080);
    expect(await probe(ns, '127.88.0.5', 8081)).toBe('refused');
    await ns.dropTcpExcept('127.88.0.5', [8080]);
    expect(await probe(ns, '127.88.0.5', 8080)).toBe('open');
    expect(await probe(ns, '127.88.0.5', 8081)).toBe('timeout');
    expect(await probe(ns, '127.88.0.5', 22)).toBe('timeout');
    // The rule is per address: a neighbour on the same loopback still answers with RST.
    expect(await probe(ns, '127.88.0.6', 8081)).toBe('refused');
  });

  it('destroy kills what it spawned, deletes the namespace, and is idempotent', async () => {
    const ns = await createNamespace('gone');
    const sleeper = ns.spawn('sleep', ['30'], { stdio: 'ignore' });
    const exited = new Promise((r) => sleeper.once('exit', r));
    await ns.destroy();
    await exited;
    expect(sleeper.exitCode !== null || sleeper.signalCode !== null).toBe(true);
    expect(listNamespaces()).not.toContain(ns.name);
    expect(existsSync(`/etc/netns/${ns.name}`)).toBe(false);
    await ns.destroy();
    expect(() => ns.spawn('true', [])).toThrow(/destroyed/);
  });

  it('overlays /etc files for commands run inside', async () => {
    const ns = await make('etc');
    ns.overlayEtc('issue', 'trustlab bench\n');
    expect((await ns.run('cat', ['/etc/issue'])).stdout).toBe('trustlab bench\n');
    expect(() => ns.overlayEtc('../passwd', '')).toThrow(TrustlabError);
  });

  it('re-executes node inside the namespace with NETNS_ENV set', async () => {
    const ns = await make('reexec');
    // Exit 7 only if the child sees its namespace name and nothing but loopback.
    const script = `const ifs = Object.keys(require('node:os').networkInterfaces());
      process.exit(process.env.${NETNS_ENV} === '${ns.name}' && ifs.join() === 'lo' ? 7 : 1)`;
    expect(await reexecInNamespace(ns, ['-e', script])).toBe(7);
    expect(await reexecInNamespace(ns, ['-e', 'process.kill(process.pid, "SIGKILL")'])).toBe(137);
  });

  it('forwards SIGTERM to the re-executed child', async () => {
    const ns = await make('signal');
    const marker = path.join(mkdtempSync(path.join(tmpdir(), 'tl-netns-')), 'armed');
    // The child says it is ready through a file, since its stdio is the test runner's own.
    const script = `process.on('SIGTERM', () => process.exit(42));
      require('node:fs').writeFileSync(${JSON.stringify(marker)}, 'x'); setTimeout(() => {}, 10000)`;
    const pending = reexecInNamespace(ns, ['-e', script]);
    try {
      const deadline = Date.now() + 5000;
      while (!existsSync(marker) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      expect(existsSync(marker)).toBe(true);
      // emit() drives our forwarder without signalling the test runner's own process.
      process.emit('SIGTERM', 'SIGTERM');
      expect(await pending).toBe(42);
      expect(process.listenerCount('SIGTERM')).toBe(0);
    } finally {
      rmSync(path.dirname(marker), { recursive: true, force: true });
    }
  });
});
