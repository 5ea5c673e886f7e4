/**
 * A guarded, connected UDP socket for request/response probes (DTLS, CoAP). Connecting the
 * socket means only the target's datagrams arrive, and an ICMP port-unreachable comes back as
 * ECONNREFUSED: "closed" is then a value, distinct from silence.
 */
import dgram from 'node:dgram';
import net from 'node:net';
import type { ScopeGuard } from '../../harness/scope/guard.ts';

/** Where a datagram probe goes. */
export interface DatagramTarget {
  guard: ScopeGuard;
  address: string;
  port: number;
  /** Milliseconds to wait for each answer. */
  timeoutMs?: number;
}

/** What waiting for one datagram gave. */
export type DatagramResult = { kind: 'datagram'; data: Buffer } | { kind: 'timeout' } | { kind: 'refused' };

/** An open exchange: send datagrams, take answers in order, close. */
export interface DatagramExchange {
  send(data: Buffer): void;
  next(timeoutMs?: number): Promise<DatagramResult>;
  close(): void;
}

/** Open a UDP exchange with the target; the guard is asked before the socket exists. */
export async function openDatagram(target: DatagramTarget): Promise<DatagramExchange> {
  target.guard.assertInScope(target.address, `send UDP to port ${target.port}`);
  const socket = dgram.createSocket(net.isIPv6(target.address) ? 'udp6' : 'udp4');
  const queue: DatagramResult[] = [];
  let waiter: ((r: DatagramResult) => void) | undefined;
  const deliver = (r: DatagramResult): void => {
    if (waiter) {
      const w = waiter;
      waiter = undefined;
      w(r);
    } else queue.push(r);
  };
  socket.on('message', (data: Buffer) => deliver({ kind: 'datagram', data }));
  socket.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'ECONNREFUSED') deliver({ kind: 'refused' });
  });
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.connect(target.port, target.address, () => {
      socket.off('error', reject);
      resolve();
    });
  });
  let closed = false;
  return {
    send(data) {
      if (!closed) socket.send(data);
    },
    next(timeoutMs = target.timeoutMs ?? 2000) {
      const queued = queue.shift();
      if (queued) return Promise.resolve(queued);
      return new Promise((resolve) => {
        const timer = setTimeout(() => {
          waiter = undefined;
          resolve({ kind: 'timeout' });
        }, timeoutMs);
        waiter = (r) => {
          clearTimeout(timer);
          resolve(r);
        };
      });
    },
    close() {
      if (closed) return;
      closed = true;
      socket.close();
    },
  };
}
