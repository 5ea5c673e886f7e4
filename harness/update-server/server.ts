/**
 * The harness as the update server. One listener per channel on a loopback address in scope:
 * HTTPS with a certificate from a CA made at start (the device is given that CA as its trust
 * anchor), HTTPS with a self-signed, a wrong-host and an expired certificate, and plain HTTP.
 * Every HTTPS listener also answers plain HTTP on the same port (the first byte tells), so a
 * client that falls back to http:// after a refused handshake is seen doing it. Every request
 * and every TLS handshake is recorded: that log is the suite's evidence.
 */
import http from 'node:http';
import net from 'node:net';
import tls from 'node:tls';
import { TrustlabError } from '../errors.ts';
import type { ScopeGuard } from '../scope/guard.ts';
import { ConnectionTracker, settleWithin } from '../virtual-bench/lifecycle.ts';
import { createCa, issueCertificate, selfSignedCertificate, type TlsMaterial } from '../virtual-bench/tls-material.ts';
import { CHANNEL_KINDS, type ChannelKind } from './cases.ts';

/** One thing the device did at the update server. */
export interface UpdateRequestRecord {
  seq: number;
  at: string;
  /** The listener it reached. */
  channel: ChannelKind;
  /** tls: inside a TLS session; plain: cleartext HTTP (on the http listener or a fallback on an https one). */
  transport: 'tls' | 'plain';
  event: 'request' | 'tls-handshake' | 'tls-refused';
  remote: string;
  method?: string;
  path?: string;
  caseId?: string;
  status?: number;
  bytes?: number;
  userAgent?: string;
  /** Why a TLS handshake failed (the client's alert, or a reset). */
  error?: string;
}

export interface UpdateServer {
  address: string;
  /** PEM of the CA made at start that issued the valid channel's certificate. */
  trustAnchorPem: string;
  /** Manifest URL of a case on a channel. */
  urlFor(channel: ChannelKind, caseId: string): string;
  /** Serve a case's manifest and image under /<caseId>/. */
  publish(caseId: string, files: { manifest: Buffer; image: Buffer }): void;
  /** A copy of every record so far, in order. */
  records(): UpdateRequestRecord[];
  stop(): Promise<void>;
}

export interface UpdateServerOptions {
  /** A 127.0.0.0/8 address inside scope. */
  address: string;
  guard?: ScopeGuard;
}

function assertLoopbackInScope(address: string, guard?: ScopeGuard): void {
  const parts = address.split('.');
  if (!net.isIPv4(address) || parts[0] !== '127') {
    throw new TrustlabError('TL_SCOPE_VIOLATION', `the update server binds loopback (127.0.0.0/8) only, not ${address}`);
  }
  guard?.assertInScope(address, 'bind the update server');
}

/** A loopback address that is not `address`, named by the wrong-host certificate. */
function otherLoopback(address: string): string {
  return address === '127.0.0.254' ? '127.0.0.253' : '127.0.0.254';
}

async function channelMaterial(kind: ChannelKind, address: string, ca: Awaited<ReturnType<typeof createCa>>): Promise<TlsMaterial | undefined> {
  switch (kind) {
    case 'https':
      return issueCertificate(ca, 'CN=trustlab update server', { ip: address });
    case 'https-self-signed':
      return selfSignedCertificate('trustlab-update-server', address, { bits: 2048, expired: false });
    case 'https-wrong-host':
      return issueCertificate(ca, 'CN=updates.wrong-host.invalid', { ip: otherLoopback(address), dns: 'updates.wrong-host.invalid' });
    case 'https-expired':
      return issueCertificate(ca, 'CN=trustlab update server (expired)', { ip: address }, { expired: true });
    case 'http':
      return undefined;
  }
}

const remoteOf = (s: net.Socket): string => `${s.remoteAddress ?? '?'}:${s.remotePort ?? 0}`;

/** Start the update server: every channel listens on its own ephemeral port of `address`. */
export async function startUpdateServer(opts: UpdateServerOptions): Promise<UpdateServer> {
  assertLoopbackInScope(opts.address, opts.guard);
  const ca = await createCa('trustlab update server CA (this run)');
  const files = new Map<string, Map<string, Buffer>>();
  const log: UpdateRequestRecord[] = [];
  const where = new WeakMap<net.Socket, { channel: ChannelKind; transport: 'tls' | 'plain' }>();
  const tracker = new ConnectionTracker();
  const record = (r: Omit<UpdateRequestRecord, 'seq' | 'at'>): void => {
    log.push({ seq: log.length + 1, at: new Date().toISOString(), ...r });
  };

  const web = http.createServer((req, res) => {
    const meta = where.get(req.socket) ?? { channel: 'http' as const, transport: 'plain' as const };
    const [, caseId, name] = /^\/([A-Za-z0-9-]+)\/([A-Za-z0-9.-]+)$/.exec((req.url ?? '').split('?')[0]!) ?? [];
    const body = req.method === 'GET' && caseId && name ? files.get(caseId)?.get(name) : undefined;
    const status = body ? 200 : 404;
    record({
      ...meta, event: 'request', remote: remoteOf(req.socket), method: req.method ?? '?', path: req.url ?? '',
      ...(caseId ? { caseId } : {}), status, bytes: body?.length ?? 0, ...(req.headers['user-agent'] ? { userAgent: req.headers['user-agent'] } : {}),
    });
    res.writeHead(status, { 'Content-Type': name === 'manifest.json' ? 'application/json' : 'application/octet-stream', 'Content-Length': body?.length ?? 0 });
    res.end(body);
  });
  web.keepAliveTimeout = 2000;

  const listeners: net.Server[] = [];
  const ports = new Map<ChannelKind, number>();
  for (const kind of CHANNEL_KINDS) {
    const material = await channelMaterial(kind, opts.address, ca);
    const secure = material ? tls.createServer({ cert: material.certPem, key: material.keyPem, minVersion: 'TLSv1.2' }) : undefined;
    secure?.on('secureConnection', (s: tls.TLSSocket) => {
      where.set(s, { channel: kind, transport: 'tls' });
      record({ channel: kind, transport: 'tls', event: 'tls-handshake', remote: remoteOf(s) });
      web.emit('connection', s);
    });
    secure?.on('tlsClientError', (err: Error, s: tls.TLSSocket) => {
      record({ channel: kind, transport: 'tls', event: 'tls-refused', remote: remoteOf(s), error: (err as NodeJS.ErrnoException).code ?? err.message });
      s.destroy();
    });
    const server = net.createServer((socket) => {
      tracker.add(socket);
      // The first byte of a TLS connection is a handshake record (22); anything else is HTTP.
      const dispatch = (): void => {
        const first = socket.read(1) as Buffer | null;
        if (first === null) return void socket.once('readable', dispatch);
        socket.unshift(first);
        if (secure && first[0] === 22) secure.emit('connection', socket);
        else {
          where.set(socket, { channel: kind, transport: 'plain' });
          web.emit('connection', socket);
        }
      };
      dispatch();
    });
    server.on('error', () => undefined);
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen({ host: opts.address, port: 0, exclusive: true }, () => {
        server.off('error', reject);
        resolve();
      });
    }).catch(async (err: unknown) => {
      await Promise.all(listeners.map((l) => new Promise((r) => l.close(r))));
      throw new TrustlabError('TL_TRANSPORT', `the update server cannot listen on ${opts.address}: ${(err as Error).message}`, { cause: err });
    });
    listeners.push(server);
    ports.set(kind, (server.address() as net.AddressInfo).port);
  }

  return {
    address: opts.address,
    trustAnchorPem: ca.pem,
    urlFor(channel, caseId) {
      const scheme = channel === 'http' ? 'http' : 'https';
      return `${scheme}://${opts.address}:${ports.get(channel)!}/${caseId}/manifest.json`;
    },
    publish(caseId, payload) {
      files.set(caseId, new Map([['manifest.json', payload.manifest], ['image.bin', payload.image]]));
    },
    records: () => log.map((r) => ({ ...r })),
    async stop() {
      const closed = Promise.all(listeners.map((l) => new Promise((r) => l.close(r))));
      tracker.destroyAll();
      await settleWithin(closed, 1000);
    },
  };
}
