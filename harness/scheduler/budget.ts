/**
 * Per-device budgets: a socket semaphore and an attempts-per-second pacer shared by every job
 * that touches the device, so parallel suites can never exceed what the lab config allows.
 */
import type { DeviceBudget } from '../model.ts';

export interface DeviceBudgetGate {
  readonly limits: Readonly<DeviceBudget>;
  /** Wait for a socket slot; call the returned function exactly once to give it back. */
  acquireSocket(signal?: AbortSignal): Promise<() => void>;
  /** Take a slot now if one is free (for engines that run their own window). */
  tryAcquireSocket(): (() => void) | undefined;
  /** Wait until one more paced attempt is allowed. */
  paceAttempt(signal?: AbortSignal): Promise<void>;
  /** Sockets in flight now, and the most ever in flight. */
  inFlight(): number;
  peakInFlight(): number;
}

function abortError(signal: AbortSignal): Error {
  return signal.reason instanceof Error ? signal.reason : new Error('aborted');
}

/** Build the gate for one device. `now` is injectable for unit tests of pacing. */
export function createBudgetGate(limits: DeviceBudget, now: () => number = () => performance.now()): DeviceBudgetGate {
  let inFlight = 0;
  let peak = 0;
  const waiters: { resolve: (release: () => void) => void; reject: (e: Error) => void; signal?: AbortSignal }[] = [];
  const interval = 1000 / limits.attemptsPerSecond;
  let nextAttemptAt = 0;

  const makeRelease = (): (() => void) => {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      inFlight--;
      pump();
    };
  };
  const grant = (): (() => void) => {
    inFlight++;
    if (inFlight > peak) peak = inFlight;
    return makeRelease();
  };
  const pump = (): void => {
    while (inFlight < limits.maxSockets && waiters.length > 0) {
      const w = waiters.shift()!;
      if (w.signal?.aborted) {
        w.reject(abortError(w.signal));
        continue;
      }
      w.resolve(grant());
    }
  };

  return {
    limits: Object.freeze({ ...limits }),
    acquireSocket(signal) {
      if (signal?.aborted) return Promise.reject(abortError(signal));
      if (inFlight < limits.maxSockets && waiters.length === 0) return Promise.resolve(grant());
      return new Promise((resolve, reject) => {
        // The listener is removed once served, so one long-lived job signal never piles them up.
        const onAbort = (): void => {
          const i = waiters.indexOf(entry);
          if (i >= 0) {
            waiters.splice(i, 1);
            reject(abortError(signal!));
          }
        };
        const entry = {
          resolve: (release: () => void) => {
            signal?.removeEventListener('abort', onAbort);
            resolve(release);
          },
          reject,
          signal,
        };
        waiters.push(entry);
        signal?.addEventListener('abort', onAbort, { once: true });
      });
    },
    tryAcquireSocket() {
      if (inFlight >= limits.maxSockets || waiters.length > 0) return undefined;
      return grant();
    },
    async paceAttempt(signal) {
      if (signal?.aborted) throw abortError(signal);
      // Reserve the next slot synchronously so concurrent callers get distinct slots.
      const t = now();
      const at = Math.max(t, nextAttemptAt);
      nextAttemptAt = at + interval;
      const wait = at - t;
      if (wait <= 0) return;
      await new Promise<void>((resolve, reject) => {
        const onAbort = (): void => {
          clearTimeout(timer);
          reject(abortError(signal!));
        };
        const timer = setTimeout(() => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        }, wait);
        signal?.addEventListener('abort', onAbort, { once: true });
      });
    },
    inFlight: () => inFlight,
    peakInFlight: () => peak,
  };
}
