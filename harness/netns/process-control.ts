/**
 * Process plumbing shared by the namespace code and the real-daemon bench: finding system
 * tools (many live in /usr/sbin, which a non-login PATH can miss), collecting a child's output
 * under a deadline, and stopping children strictly by the pids we hold.
 */
import { accessSync, constants, readFileSync } from 'node:fs';
import { constants as osConstants } from 'node:os';
import path from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { TrustlabError } from '../errors.ts';

/** Outcome of a command run to completion (or cut off by its deadline). */
export interface RunResult {
  /** Exit status; 128+n when ended by signal n; 124 (as coreutils `timeout`) when the deadline hit. */
  code: number;
  stdout: string;
  stderr: string;
  /** True when the deadline killed the command. */
  timedOut: boolean;
}

const SBIN_DIRS = ['/usr/local/sbin', '/usr/sbin', '/sbin', '/usr/local/bin', '/usr/bin', '/bin'];
const toolCache = new Map<string, string | undefined>();

/** Absolute path of an executable on PATH or in the sbin directories, or undefined. */
export function findTool(name: string): string | undefined {
  if (toolCache.has(name)) return toolCache.get(name);
  const dirs = [...(process.env.PATH ?? '').split(path.delimiter).filter(Boolean), ...SBIN_DIRS];
  let found: string | undefined;
  for (const dir of dirs) {
    const candidate = path.join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      found = candidate;
      break;
    } catch {
      // not in this directory; keep looking
    }
  }
  toolCache.set(name, found);
  return found;
}

/** Like findTool, but throws TL_TOOL_MISSING naming the Debian package that provides it. */
export function requireTool(name: string, debianPackage: string): string {
  const found = findTool(name);
  if (found === undefined) {
    throw new TrustlabError('TL_TOOL_MISSING', `"${name}" was not found on PATH or in /usr/sbin`, {
      details: [`Debian package: ${debianPackage}`],
    });
  }
  return found;
}

/** Map a child's (code, signal) pair to one shell-style exit status. */
export function exitStatus(code: number | null, signal: NodeJS.Signals | null): number {
  if (code !== null) return code;
  const n = signal === null ? undefined : osConstants.signals[signal];
  return 128 + (n ?? 0);
}

/** Collect a spawned child's output until it exits, killing it (SIGKILL) at the deadline. */
export function collect(child: ChildProcess, opts: { timeoutMs?: number; input?: string } = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let timedOut = false;
    child.stdout?.on('data', (b: Buffer) => out.push(b));
    child.stderr?.on('data', (b: Buffer) => err.push(b));
    const timer =
      opts.timeoutMs === undefined
        ? undefined
        : setTimeout(() => {
            timedOut = true;
            child.kill('SIGKILL');
          }, opts.timeoutMs);
    child.once('error', (e) => {
      if (timer) clearTimeout(timer);
      reject(new TrustlabError('TL_NETNS', `could not start ${child.spawnfile}: ${e.message}`, { cause: e }));
    });
    // 'close' rather than 'exit': it fires only after stdout/stderr are drained.
    child.once('close', (code, signal) => {
      if (timer) clearTimeout(timer);
      resolve({
        code: timedOut ? 124 : exitStatus(code, signal),
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
        timedOut,
      });
    });
    if (child.stdin) {
      // A child that exits without reading its input would otherwise raise EPIPE here.
      child.stdin.on('error', () => undefined);
      child.stdin.end(opts.input ?? '');
    }
  });
}

/** True while a process with this pid exists (signal 0 probes without delivering anything). */
export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (e) {
    // EPERM means it exists but is not ours to signal; treat as alive so we never assume it gone.
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
  // A zombie answers signal 0 but is already dead; orphans in a container whose init does not
  // reap would otherwise look alive for ever.
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

function signalPid(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch {
    // already gone: exactly what we wanted
  }
}

/** SIGTERM each pid, wait up to graceMs for them to go, then SIGKILL the stragglers. */
export async function terminatePids(pids: readonly number[], graceMs = 1000): Promise<void> {
  const live = pids.filter(pidAlive);
  for (const pid of live) signalPid(pid, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (live.some(pidAlive) && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 25));
  }
  for (const pid of live.filter(pidAlive)) signalPid(pid, 'SIGKILL');
}

/** SIGKILL each pid at once; for the synchronous exit path, where waiting is impossible. */
export function killPidsNow(pids: readonly number[]): void {
  for (const pid of pids) signalPid(pid, 'SIGKILL');
}
