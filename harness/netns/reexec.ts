/**
 * Re-running this Node program inside a namespace. The harness creates the namespace from the
 * outside, then runs itself again inside it so every socket it opens meets only the bench;
 * NETNS_ENV tells the inner copy where it is, so it does not try to nest another namespace.
 */
import { spawn } from 'node:child_process';
import type { Namespace } from './namespace.ts';
import { exitStatus } from './process-control.ts';

/** Environment variable naming the namespace a re-executed process runs inside. */
export const NETNS_ENV = 'TRUSTLAB_NETNS';

/** The namespace this process was re-executed into, from NETNS_ENV; undefined outside one. */
export function currentNamespace(): string | undefined {
  const value = process.env[NETNS_ENV];
  return value === undefined || value === '' ? undefined : value;
}

const FORWARDED: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM'];

/**
 * Run `process.execPath ...argv` inside ns with inherited stdio and NETNS_ENV set; forward
 * SIGINT/SIGTERM to it; resolve with its exit status (128+n when it died of signal n).
 */
export function reexecInNamespace(ns: Pick<Namespace, 'name' | 'spawn'>, argv: string[], env?: NodeJS.ProcessEnv): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = ns.spawn(process.execPath, argv, {
      stdio: 'inherit',
      env: { ...(env ?? process.env), [NETNS_ENV]: ns.name },
    });
    // While we wait, signals to us are meant for the inner run: it decides how to interrupt
    // (journal, resumable exit). At a terminal the child also gets Ctrl-C from the tty itself,
    // since it shares our process group.
    const handlers = new Map<NodeJS.Signals, () => void>();
    for (const sig of FORWARDED) {
      const handler = (): void => {
        if (child.exitCode === null && child.signalCode === null) child.kill(sig);
      };
      handlers.set(sig, handler);
      process.on(sig, handler);
    }
    const detach = (): void => {
      for (const [sig, handler] of handlers) process.off(sig, handler);
    };
    child.once('error', (e) => {
      detach();
      reject(e);
    });
    child.once('exit', (code, signal) => {
      detach();
      resolve(exitStatus(code, signal));
    });
  });
}

/**
 * A namespace this process did not create (named in a lab config, made by `bench up`): enough
 * to re-execute inside it. Owning and destroying it stay with whoever created it.
 */
export function namedNamespace(name: string): Pick<Namespace, 'name' | 'spawn'> {
  return { name, spawn: (cmd, args, opts = {}) => spawn('ip', ['netns', 'exec', name, cmd, ...args], opts) };
}
