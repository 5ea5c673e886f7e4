/**
 * One TCP connection attempt, two ways. `raw` drives libuv's TCP handle directly (Node's
 * own tcp_wrap binding, the layer under net.Socket): one handle and one request object per
 * attempt, the outcome as a status number. `socket` uses the public net.Socket, whose
 * per-attempt stream, event emitter, deferred connect and Error-with-stack for every refused
 * port cost about twice as much (see BENCHMARKS.md); it is the fallback wherever the binding
 * is missing or differs.
 */
import net from 'node:net';
import { constants as osConstants } from 'node:os';

/** What an attempt belongs to; the backend calls it back exactly once per live attempt. */
export interface ProbeOwner {
  onProbeDone(rec: ProbeRecord, status: number): void;
}

/** One attempt in flight: a plain record the engine keeps in its timeout queue. */
export interface ProbeRecord {
  owner: ProbeOwner;
  port: number;
  /** 1-based attempt number of this port. */
  attempt: number;
  sentAt: number;
  /** The engine's idle clock at sending, for RTT samples without loop lag. */
  sentIdle: number;
  /** Set when answered, timed out or cancelled: later callbacks are ignored. */
  done: boolean;
  handle: unknown;
  release: (() => void) | undefined;
}

/** A way to start and cancel attempts; status numbers are 0 or a negative errno (libuv style). */
export interface ProbeBackend {
  readonly id: 'native' | 'raw' | 'socket';
  /** How it runs, when it has more than one way (native: "pool-batches" or "loop-thread"). */
  readonly mode?: string;
  /** Start connecting; returns 0, or a negative errno when the attempt could not start. */
  start(rec: ProbeRecord, address: string, ipv6: boolean): number;
  /** Close the attempt's socket (answered, timed out or cancelled). */
  close(rec: ProbeRecord): void;
}

const E = osConstants.errno;
/** Negative errno codes the engine distinguishes. */
export const STATUS = Object.freeze({
  ECONNREFUSED: -E.ECONNREFUSED,
  ECONNRESET: -E.ECONNRESET,
  ECANCELED: -E.ECANCELED,
  EMFILE: -E.EMFILE,
  ENFILE: -E.ENFILE,
  EADDRNOTAVAIL: -E.EADDRNOTAVAIL,
  EADDRINUSE: -E.EADDRINUSE,
  ENOBUFS: -E.ENOBUFS,
  EAGAIN: -E.EAGAIN,
  ENOMEM: -E.ENOMEM,
});

/** Errnos that mean this host could not try (descriptors, local ports, buffers), not that the port answered. */
export const LOCAL_ERRORS: ReadonlySet<number> = new Set<number>([STATUS.EMFILE, STATUS.ENFILE, STATUS.EADDRNOTAVAIL, STATUS.EADDRINUSE, STATUS.ENOBUFS, STATUS.EAGAIN, STATUS.ENOMEM]);

/** Map a Node error code ("ECONNREFUSED") to its negative errno; unknown codes map to -1. */
export function statusOfCode(code: string | undefined): number {
  const n = code === undefined ? undefined : (E as Record<string, number | undefined>)[code];
  return n === undefined ? -1 : -n;
}

interface TcpHandle {
  connect(req: ConnectReq, address: string, port: number): number;
  connect6(req: ConnectReq, address: string, port: number): number;
  close(): void;
}
interface ConnectReq {
  oncomplete: (status: number, handle: unknown, req: ConnectReq) => void;
  rec: ProbeRecord | undefined;
}
interface TcpWrapBinding {
  TCP: new (type: number) => TcpHandle;
  TCPConnectWrap: new () => ConnectReq;
  constants: { SOCKET: number };
}

// Shared, not a closure per attempt: the request carries its record.
function onConnectComplete(status: number, _handle: unknown, req: ConnectReq): void {
  const rec = req.rec;
  req.rec = undefined;
  if (rec && !rec.done) rec.owner.onProbeDone(rec, status);
}

function loadTcpWrap(): TcpWrapBinding | undefined {
  try {
    const b = (process as unknown as { binding(name: string): Partial<TcpWrapBinding> }).binding('tcp_wrap');
    if (typeof b.TCP !== 'function' || typeof b.TCPConnectWrap !== 'function' || typeof b.constants?.SOCKET !== 'number') return undefined;
    if (typeof b.TCP.prototype.connect !== 'function' || typeof b.TCP.prototype.close !== 'function') return undefined;
    return b as TcpWrapBinding;
  } catch {
    return undefined;
  }
}

function rawBackend(b: TcpWrapBinding): ProbeBackend {
  const { TCP, TCPConnectWrap } = b;
  const SOCKET = b.constants.SOCKET;
  return {
    id: 'raw',
    start(rec, address, ipv6) {
      const handle = new TCP(SOCKET);
      const req = new TCPConnectWrap();
      req.oncomplete = onConnectComplete;
      req.rec = rec;
      const err = ipv6 ? handle.connect6(req, address, rec.port) : handle.connect(req, address, rec.port);
      if (err !== 0) {
        req.rec = undefined;
        handle.close();
        return err;
      }
      rec.handle = handle;
      return 0;
    },
    close(rec) {
      const h = rec.handle as TcpHandle | undefined;
      rec.handle = undefined;
      h?.close();
    },
  };
}

type TaggedSocket = net.Socket & { tlProbe?: ProbeRecord };

function onSocketConnect(this: TaggedSocket): void {
  const rec = this.tlProbe;
  if (rec && !rec.done) rec.owner.onProbeDone(rec, 0);
}
function onSocketError(this: TaggedSocket, err: NodeJS.ErrnoException): void {
  const rec = this.tlProbe;
  if (rec && !rec.done) rec.owner.onProbeDone(rec, statusOfCode(err.code));
}

/** The net.Socket backend (public API only). */
export const socketBackend: ProbeBackend = {
  id: 'socket',
  start(rec, address) {
    const s: TaggedSocket = new net.Socket();
    s.tlProbe = rec;
    s.once('connect', onSocketConnect);
    // `on`, not `once`: a socket destroyed mid-connect may still report, and must not throw.
    s.on('error', onSocketError);
    s.connect(rec.port, address);
    rec.handle = s;
    return 0;
  },
  close(rec) {
    const s = rec.handle as TaggedSocket | undefined;
    rec.handle = undefined;
    if (s) {
      s.tlProbe = undefined;
      s.destroy();
    }
  },
};

/** The raw backend when this Node has tcp_wrap, for tests and benchmarks. */
export function rawBackendIfAvailable(): ProbeBackend | undefined {
  const b = loadTcpWrap();
  return b ? rawBackend(b) : undefined;
}
