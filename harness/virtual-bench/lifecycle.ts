/**
 * Binding, connection tracking and shutdown shared by every emulated service. A bench device
 * must survive hostile input (the fuzzer aims at it) and must stop in well under a second, so
 * every socket gets an error handler and every accepted connection is tracked for destruction.
 */
import dgram from 'node:dgram';
import type http from 'node:http';
import net from 'node:net';
import { TrustlabError } from '../errors.ts';

/** A started service of a device: stopping it closes the listener and every connection. */
export interface RunningService {
  stop(): Promise<void>;
}

/** Where a service listens, for error messages. */
export interface BindTarget {
  deviceId: string;
  address: string;
  port: number;
  service: string;
  /** HTTP services only: answers some requests before the service's own handler (the local API). */
  intercept?: (req: http.IncomingMessage, res: http.ServerResponse) => boolean;
}

// Errors on accepted sockets are device-side noise (resets from a scanner, fuzzed garbage):
// swallowing them is the device "surviving" the input, which is what the bench must model.
const ignore = (): void => {};

/** Tracks accepted sockets so stop() can destroy them instead of waiting for clients. */
export class ConnectionTracker {
  private readonly sockets = new Set<net.Socket>();

  /** Start tracking a socket; it is forgotten when it closes. */
  add(socket: net.Socket): void {
    socket.on('error', ignore);
    this.sockets.add(socket);
    socket.once('close', () => this.sockets.delete(socket));
  }

  /** Destroy every tracked socket. */
  destroyAll(): void {
    for (const socket of this.sockets) socket.destroy();
    this.sockets.clear();
  }
}

/** Reject an address that is not IPv4 loopback: the bench never binds anything else. */
export function assertLoopback(address: string, deviceId: string): void {
  const parts = address.split('.');
  const isV4 = net.isIPv4(address) && parts.length === 4;
  if (!isV4 || parts[0] !== '127') {
    throw new TrustlabError('TL_BENCH', `device ${deviceId}: address ${address} is not in 127.0.0.0/8; the virtual bench binds loopback only`);
  }
}

function bindError(target: BindTarget, transport: string, err: unknown): TrustlabError {
  const code = (err as NodeJS.ErrnoException).code ?? (err instanceof Error ? err.message : String(err));
  return new TrustlabError(
    'TL_BENCH',
    `device ${target.deviceId}: cannot bind ${target.service} on ${target.address}:${target.port}/${transport}: ${code}`,
    { cause: err },
  );
}

/** Listen a TCP server on the target address and port, tracking every connection. */
export function listenTcp(server: net.Server, target: BindTarget, tracker: ConnectionTracker): Promise<void> {
  server.on('connection', (socket: net.Socket) => tracker.add(socket));
  return new Promise((resolve, reject) => {
    const onError = (err: Error): void => reject(bindError(target, 'tcp', err));
    server.once('error', onError);
    server.listen({ host: target.address, port: target.port, exclusive: true }, () => {
      server.off('error', onError);
      // After the bind, server errors (EMFILE on accept and the like) must not crash the process.
      server.on('error', ignore);
      resolve();
    });
  });
}

/** Bind a UDP socket on the target address and port (no SO_REUSEADDR, so clashes are seen). */
export function bindUdp(target: BindTarget): Promise<dgram.Socket> {
  const socket = dgram.createSocket({ type: 'udp4', reuseAddr: false });
  return new Promise((resolve, reject) => {
    const onError = (err: Error): void => {
      socket.close();
      reject(bindError(target, 'udp', err));
    };
    socket.once('error', onError);
    socket.bind({ address: target.address, port: target.port, exclusive: true }, () => {
      socket.off('error', onError);
      socket.on('error', ignore);
      resolve(socket);
    });
  });
}

/** Resolve when the promise settles or after ms, whichever is first; never rejects. */
export function settleWithin(promise: Promise<unknown>, ms: number): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    timer.unref();
    promise.then(
      () => { clearTimeout(timer); resolve(); },
      () => { clearTimeout(timer); resolve(); },
    );
  });
}

/** Destroy all connections, then close the server; bounded so a stuck close cannot hang stop(). */
export function closeTcp(server: net.Server, tracker: ConnectionTracker): Promise<void> {
  const closed = new Promise<void>((resolve) => {
    if (!server.listening) return resolve();
    server.close(() => resolve());
  });
  tracker.destroyAll();
  return settleWithin(closed, 500);
}

/** Close a UDP socket, ignoring one already closed. */
export function closeUdp(socket: dgram.Socket): Promise<void> {
  return new Promise((resolve) => {
    try {
      socket.close(() => resolve());
    } catch {
      resolve();
    }
  });
}

/** Make a stop function idempotent: later calls share the first call's promise. */
export function once(stop: () => Promise<void>): () => Promise<void> {
  let pending: Promise<void> | undefined;
  return () => (pending ??= stop());
}
