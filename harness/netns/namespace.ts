/**
 * Private network namespaces for the bench and the harness (root only). A namespace gives a
 * full-range scan a world that holds only the bench, and lets a device drop packets with nft
 * so it looks "filtered". Every namespace is named `tl-<label>-<pid>-<n>`, tracks the pids it
 * spawned, and is torn down on destroy() or, failing that, when the process exits.
 */
import { spawn, spawnSync, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { TrustlabError } from '../errors.ts';
import { collect, findTool, killPidsNow, terminatePids, type RunResult } from './process-control.ts';

export { NETNS_ENV, currentNamespace, namedNamespace, reexecInNamespace } from './reexec.ts';
export type { RunResult } from './process-control.ts';

/** A network namespace this process created and owns. */
export interface Namespace {
  name: string;
  /** spawn a command inside the namespace (ip netns exec NAME cmd args) */
  spawn(cmd: string, args: string[], opts?: SpawnOptions): ChildProcess;
  /** run to completion, resolve {code, stdout, stderr}; bounded by timeoutMs (default 30 s) */
  run(cmd: string, args: string[], opts?: RunOptions): Promise<RunResult>;
  /** nft: make an address drop (no RST) every TCP port except the listed ones, so scans see "filtered" */
  dropTcpExcept(address: string, openPorts: number[]): Promise<void>;
  /** Put a file in /etc/netns/NAME, which `ip netns exec` bind-mounts over /etc/<file> for later commands. */
  overlayEtc(file: string, content: string, mode?: number): void;
  /** kills processes it spawned (by pid), deletes the namespace; idempotent */
  destroy(): Promise<void>;
}

/** Options of Namespace.run: a deadline, standard input, and the child's env and cwd. */
export interface RunOptions {
  timeoutMs?: number;
  input?: string;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
}

type Support = { ok: true } | { ok: false; reason: string };
let supportCache: Support | undefined;
let counter = 0;
const live = new Set<NetNamespace>();

const DEFAULT_RUN_TIMEOUT_MS = 30_000;

function ipPath(): string {
  const ip = findTool('ip');
  if (ip === undefined) {
    throw new TrustlabError('TL_TOOL_MISSING', '"ip" was not found', { details: ['Debian package: iproute2'] });
  }
  return ip;
}

/** Whether this process can use network namespaces: root, `ip` present, and a probe namespace can be made. */
export function netnsSupport(): Support {
  if (supportCache) return supportCache;
  supportCache = probeSupport();
  return supportCache;
}

function probeSupport(): Support {
  if (process.platform !== 'linux') return { ok: false, reason: 'network namespaces need Linux' };
  if (process.getuid?.() !== 0) return { ok: false, reason: 'network namespaces need root (run as uid 0)' };
  const ip = findTool('ip');
  if (ip === undefined) return { ok: false, reason: '`ip` (Debian package iproute2) is not installed' };
  const probe = `tl-probe-${process.pid}`;
  const add = spawnSync(ip, ['netns', 'add', probe], { encoding: 'utf8', timeout: 5000 });
  if (add.status !== 0) {
    return { ok: false, reason: `\`ip netns add\` failed: ${(add.stderr || String(add.error ?? '')).trim()}` };
  }
  spawnSync(ip, ['netns', 'delete', probe], { timeout: 5000 });
  return { ok: true };
}

async function ipCommand(args: string[]): Promise<void> {
  const child = spawn(ipPath(), args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const res = await collect(child, { timeoutMs: 10_000 });
  if (res.code !== 0) {
    throw new TrustlabError('TL_NETNS', `ip ${args.join(' ')} failed (exit ${res.code})`, {
      details: [res.stderr.trim()].filter(Boolean),
    });
  }
}

/** The nft commands that make one address drop every TCP port except the given ones. */
export function dropTcpRuleset(address: string, openPorts: readonly number[]): string {
  const family = net.isIPv4(address) ? 'ip' : net.isIPv6(address) ? 'ip6' : undefined;
  if (family === undefined) throw new TrustlabError('TL_NETNS', `"${address}" is not an IP address literal`);
  for (const p of openPorts) {
    if (!Number.isInteger(p) || p < 1 || p > 65535) throw new TrustlabError('TL_NETNS', `port ${p} is not 1-65535`);
  }
  // `add` is idempotent for the table and chain, so several calls stack one rule per address.
  const match = openPorts.length === 0 ? 'meta l4proto tcp' : `tcp dport != { ${[...new Set(openPorts)].join(', ')} }`;
  return [
    'add table inet tl',
    'add chain inet tl input { type filter hook input priority 0; policy accept; }',
    `add rule inet tl input ${family} daddr ${address} ${match} drop`,
    '',
  ].join('\n');
}

class NetNamespace implements Namespace {
  readonly name: string;
  private readonly children = new Set<ChildProcess>();
  private destroying: Promise<void> | undefined;

  constructor(name: string) {
    this.name = name;
  }

  spawn(cmd: string, args: string[], opts: SpawnOptions = {}): ChildProcess {
    if (this.destroying) throw new TrustlabError('TL_NETNS', `namespace ${this.name} is destroyed`);
    // `ip netns exec` execs the command in place (no fork), so child.pid is the command's own pid.
    const child = spawn(ipPath(), ['netns', 'exec', this.name, cmd, ...args], opts);
    this.children.add(child);
    child.once('exit', () => this.children.delete(child));
    child.once('error', () => this.children.delete(child));
    return child;
  }

  run(cmd: string, args: string[], opts: RunOptions = {}): Promise<RunResult> {
    const child = this.spawn(cmd, args, { stdio: ['pipe', 'pipe', 'pipe'], env: opts.env, cwd: opts.cwd });
    return collect(child, { timeoutMs: opts.timeoutMs ?? DEFAULT_RUN_TIMEOUT_MS, input: opts.input });
  }

  async dropTcpExcept(address: string, openPorts: number[]): Promise<void> {
    const nft = findTool('nft');
    if (nft === undefined) {
      throw new TrustlabError('TL_TOOL_MISSING', '"nft" was not found', { details: ['Debian package: nftables'] });
    }
    const res = await this.run(nft, ['-f', '-'], { input: dropTcpRuleset(address, openPorts), timeoutMs: 10_000 });
    if (res.code !== 0) {
      throw new TrustlabError('TL_NETNS', `nft -f - in ${this.name} failed (exit ${res.code})`, {
        details: [res.stderr.trim()].filter(Boolean),
      });
    }
  }

  overlayEtc(file: string, content: string, mode = 0o644): void {
    if (file !== path.basename(file) || file.startsWith('.')) {
      throw new TrustlabError('TL_NETNS', `overlay file "${file}" must be a plain file name under /etc`);
    }
    const dir = etcDir(this.name);
    mkdirSync(dir, { recursive: true, mode: 0o755 });
    writeFileSync(path.join(dir, file), content, { mode });
  }

  destroy(): Promise<void> {
    this.destroying ??= this.teardown();
    return this.destroying;
  }

  /** Pids of everything still running: ours first, then any descendants left in the namespace. */
  pids(): number[] {
    const own = [...this.children].map((c) => c.pid).filter((p): p is number => p !== undefined);
    // Daemons fork per connection (dropbear, telnetd); those children outlive their parent
    // inside our namespace, and no one but our own descendants can be in it.
    const res = spawnSync(ipPath(), ['netns', 'pids', this.name], { encoding: 'utf8', timeout: 5000 });
    const inside = (res.stdout ?? '').split(/\s+/).filter(Boolean).map(Number);
    return [...new Set([...own, ...inside])].filter((p) => Number.isInteger(p) && p > 0 && p !== process.pid);
  }

  private async teardown(): Promise<void> {
    await terminatePids(this.pids());
    // A second sweep catches anything forked while the first batch was shutting down.
    killPidsNow(this.pids());
    try {
      await ipCommand(['netns', 'delete', this.name]);
    } finally {
      rmSync(etcDir(this.name), { recursive: true, force: true });
      live.delete(this);
    }
  }

  /** Synchronous last-ditch cleanup for process exit, when nothing can be awaited. */
  destroyNow(): void {
    killPidsNow(this.pids());
    spawnSync(ipPath(), ['netns', 'delete', this.name], { timeout: 5000 });
    rmSync(etcDir(this.name), { recursive: true, force: true });
    live.delete(this);
  }
}

function etcDir(name: string): string {
  return path.join('/etc/netns', name);
}

let exitHookInstalled = false;
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // A crash or a forgotten destroy() must not leave namespaces or daemons behind.
  process.once('exit', () => {
    for (const ns of [...live]) ns.destroyNow();
  });
}

/** Create `tl-<label>-<pid>-<n>` with its loopback up. */
export async function createNamespace(label: string): Promise<Namespace> {
  if (!/^[a-z0-9][a-z0-9-]{0,23}$/.test(label)) {
    throw new TrustlabError('TL_NETNS', `namespace label "${label}" must be 1-24 of [a-z0-9-]`);
  }
  const support = netnsSupport();
  if (!support.ok) throw new TrustlabError('TL_PRIVILEGE', `cannot create a network namespace: ${support.reason}`);
  counter += 1;
  const ns = new NetNamespace(`tl-${label}-${process.pid}-${counter}`);
  await ipCommand(['netns', 'add', ns.name]);
  live.add(ns);
  installExitHook();
  try {
    await ipCommand(['-n', ns.name, 'link', 'set', 'lo', 'up']);
  } catch (e) {
    await ns.destroy();
    throw e;
  }
  return ns;
}
