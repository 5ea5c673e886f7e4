/**
 * How many sockets this process may hold at once. Node raises the soft RLIMIT_NOFILE to the
 * hard limit at start-up; where an embedder did not, we raise it with prlimit(1) on our own
 * pid. The engine keeps a reserve for everything else the process opens (journal, evidence,
 * adapters, stdio) and lowers its cap further if the kernel still answers EMFILE.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { findTool } from '../netns/process-control.ts';

/** Descriptors kept free for the rest of the process. */
export const FD_RESERVE = 256;
/** The cap never drops below this, so a scan always makes progress. */
export const MIN_SOCKET_CAP = 16;

/** Soft and hard RLIMIT_NOFILE from /proc/self/limits; undefined where /proc is missing. */
export function readFdLimits(): { soft: number; hard: number } | undefined {
  try {
    const line = readFileSync('/proc/self/limits', 'utf8').split('\n').find((l) => l.startsWith('Max open files'));
    const m = line && /Max open files\s+(\S+)\s+(\S+)/.exec(line);
    if (!m) return undefined;
    const num = (s: string): number => (s === 'unlimited' ? 1 << 20 : Number(s));
    return { soft: num(m[1]!), hard: num(m[2]!) };
  } catch {
    return undefined;
  }
}

/** Descriptors open now (Linux); a guess elsewhere. */
export function openFdCount(): number {
  try {
    return readdirSync('/proc/self/fd').length;
  } catch {
    return 64;
  }
}

/** Raise the soft limit to the hard one if it is lower; returns the soft limit in force. */
export function raiseSoftFdLimit(): number {
  const limits = readFdLimits();
  if (!limits) return 1024;
  if (limits.soft >= limits.hard) return limits.soft;
  const prlimit = findTool('prlimit');
  if (prlimit !== undefined) {
    spawnSync(prlimit, ['--pid', String(process.pid), `--nofile=${limits.hard}:${limits.hard}`], { timeout: 5000, stdio: 'ignore' });
  }
  return readFdLimits()?.soft ?? limits.soft;
}

/** Sockets the engine may have in flight across all devices. */
export function socketCapacity(): number {
  const soft = raiseSoftFdLimit();
  return Math.max(MIN_SOCKET_CAP, soft - openFdCount() - FD_RESERVE);
}
