/**
 * The native probe backend: the addon in ./native (N-API, built by node-gyp where the machine
 * has a compiler) connects sockets it owns and reports each loop turn's outcomes in one call.
 * Loaded only if its build is present and answers; otherwise the engine uses the JS backends.
 * Attempts launched together go to the addon as batches whose connect() calls run on a libuv
 * pool thread (TRUSTLAB_NATIVE_BATCH=0 keeps them on the loop thread, for comparison).
 */
import { createRequire } from 'node:module';
import { performance } from 'node:perf_hooks';
import { isMainThread } from 'node:worker_threads';
import { LOCAL_ERRORS, type ProbeBackend, type ProbeRecord } from './probe.ts';

interface Addon {
  init(onReady: (n: number) => void, fds: Int32Array, status: Int32Array): void;
  start(address: string, port: number, ipv6: boolean): number;
  close(fd: number): void;
  startBatch?(address: string, ipv6: boolean, ports: Int32Array, out: Int32Array, n: number, done: () => void): void;
}

/**
 * Attempts per pool-thread batch. The engine's first window (64) makes two batches, so the
 * kernel's work on two batches (loopback answers inside connect()) runs on two cores.
 */
export const BATCH_PORTS = 32;

const BATCH = 65536;

function loadAddon(): Addon | undefined {
  // The addon keeps one epoll set per process, tied to the main thread's loop.
  if (process.platform !== 'linux' || !isMainThread || process.env.TRUSTLAB_SCAN_BACKEND === 'raw' || process.env.TRUSTLAB_SCAN_BACKEND === 'socket') return undefined;
  try {
    const addon = createRequire(import.meta.url)('./native/build/Release/tcp_connect.node') as Partial<Addon>;
    if (typeof addon.init !== 'function' || typeof addon.start !== 'function' || typeof addon.close !== 'function') return undefined;
    return addon as Addon;
  } catch {
    return undefined;
  }
}

function nativeBackend(addon: Addon): ProbeBackend {
  const fds = new Int32Array(BATCH);
  const status = new Int32Array(BATCH);
  // Live attempts by descriptor; the addon closes a descriptor when it reports it.
  const byFd: (ProbeRecord | undefined)[] = [];
  const batch: ProbeRecord[] = [];
  let early: { rec: ProbeRecord; status: number }[] = [];

  addon.init((n) => {
    // Take every record out first: a descriptor reported here may be reused by the next start.
    for (let i = 0; i < n; i++) {
      const rec = byFd[fds[i]!];
      byFd[fds[i]!] = undefined;
      if (rec) rec.handle = undefined;
      batch.push(rec as ProbeRecord);
    }
    for (let i = 0; i < n; i++) {
      const rec = batch[i];
      if (rec && !rec.done) rec.owner.onProbeDone(rec, status[i]!);
    }
    batch.length = 0;
  }, fds, status);

  const flushEarly = (): void => {
    const list = early;
    early = [];
    for (const { rec, status: s } of list) if (!rec.done) rec.owner.onProbeDone(rec, s);
  };

  // Batches: attempts gathered in one synchronous launch run together on a pool thread.
  let pending: ProbeRecord[] = [];
  let pendingAddress = '';
  let pendingV6 = false;
  const submit = (): void => {
    const recs = pending;
    if (recs.length === 0) return;
    pending = [];
    const ports = new Int32Array(recs.length);
    for (let i = 0; i < recs.length; i++) ports[i] = recs[i]!.port;
    const out = new Int32Array(recs.length);
    addon.startBatch!(pendingAddress, pendingV6, ports, out, recs.length, () => {
      // The SYNs left just now, not when the batch was queued: timeouts and RTT count from here.
      const sentAt = performance.now();
      const sentIdle = performance.eventLoopUtilization().idle;
      for (let i = 0; i < recs.length; i++) {
        const rec = recs[i]!;
        const v = out[i]!;
        rec.sentAt = sentAt;
        rec.sentIdle = sentIdle;
        if (v > 0) {
          const fd = v - 1;
          // Timed out or cancelled while the batch ran: the loop thread owns the descriptor now.
          if (rec.done) addon.close(fd);
          else {
            rec.handle = fd;
            byFd[fd] = rec;
          }
        } else if (!rec.done) rec.owner.onProbeDone(rec, v);
      }
    });
  };
  let flushQueued = false;
  const flush = (): void => {
    flushQueued = false;
    submit();
  };
  const batched = typeof addon.startBatch === 'function' && process.env.TRUSTLAB_NATIVE_BATCH !== '0';

  return {
    id: 'native',
    mode: batched ? 'pool-batches' : 'loop-thread',
    start(rec, address, ipv6) {
      if (batched) {
        if (pending.length > 0 && (address !== pendingAddress || ipv6 !== pendingV6)) submit();
        pendingAddress = address;
        pendingV6 = ipv6;
        // Not due for a timeout until its batch has run (a long pool queue must not expire it unsent).
        rec.sentAt = Infinity;
        pending.push(rec);
        if (pending.length >= BATCH_PORTS) submit();
        else if (!flushQueued) {
          flushQueued = true;
          queueMicrotask(flush);
        }
        return 0;
      }
      const fd = addon.start(address, rec.port, ipv6);
      if (fd >= 0) {
        rec.handle = fd;
        byFd[fd] = rec;
        return 0;
      }
      // A local failure to start: the engine retries it without counting an attempt.
      if (LOCAL_ERRORS.has(fd)) return fd;
      // Refused (or unreachable) inside connect() itself: an answer all the same, delivered
      // through the loop like any other.
      if (early.length === 0) setImmediate(flushEarly);
      early.push({ rec, status: fd });
      return 0;
    },
    close(rec) {
      const fd = rec.handle as number | undefined;
      rec.handle = undefined;
      if (fd === undefined) return;
      byFd[fd] = undefined;
      addon.close(fd);
    },
  };
}

let cached: ProbeBackend | null | undefined;

/** The native backend if its addon is built for this machine, else undefined. */
export function nativeBackendIfAvailable(): ProbeBackend | undefined {
  if (cached === undefined) {
    const addon = loadAddon();
    cached = addon ? nativeBackend(addon) : null;
  }
  return cached ?? undefined;
}
