/**
 * WebSocket upgrade without credentials (RFC 6455 §4) through the `ws` client over a guarded
 * socket: a 101 on a path means anyone can open the channel; a 401/403 means it asks for
 * credentials; anything else means no WebSocket endpoint there.
 */
import tls from 'node:tls';
import WebSocket from 'ws';
import { guardedConnect } from '../../harness/scope/guard.ts';
import { ADAPTER_API_VERSION, type AdapterPlugin, type EndpointTarget } from '../../harness/plugins/types.ts';

/** The WebSocket adapter's metadata. */
export const wsAdapter: AdapterPlugin = {
  apiVersion: ADAPTER_API_VERSION, id: 'ws', version: '1.0.0', title: 'WebSocket upgrade without credentials', protocols: ['ws', 'wss'],
};

/** What one upgrade request came to. */
export interface WsUpgrade {
  path: string;
  outcome: 'accepted' | 'rejected' | 'not-offered';
  status?: number;
  detail: string;
}

/** Request an upgrade on one path, no credentials. */
export function wsUpgrade(t: EndpointTarget & { tls?: boolean }, path: string): Promise<WsUpgrade> {
  const host = t.address.includes(':') ? `[${t.address}]` : t.address;
  const url = `${t.tls ? 'wss' : 'ws'}://${host}:${t.port}${path}`;
  return new Promise((resolve) => {
    let settled = false;
    const done = (r: WsUpgrade): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      ws.terminate();
      resolve(r);
    };
    const ws = new WebSocket(url, {
      handshakeTimeout: t.timeoutMs ?? 5000,
      rejectUnauthorized: false,
      createConnection: () => {
        const raw = guardedConnect(t.guard, { host: t.address, port: t.port });
        return t.tls ? tls.connect({ socket: raw, rejectUnauthorized: false }) : raw;
      },
    } as WebSocket.ClientOptions);
    const timer = setTimeout(() => done({ path, outcome: 'not-offered', detail: 'no answer before the timeout' }), (t.timeoutMs ?? 5000) + 500);
    ws.on('open', () => done({ path, outcome: 'accepted', status: 101, detail: `101 Switching Protocols on ${path} without credentials` }));
    ws.on('unexpected-response', (_req, res) => {
      const status = res.statusCode ?? 0;
      done({ path, status, outcome: status === 401 || status === 403 ? 'rejected' : 'not-offered', detail: `HTTP ${status} to the upgrade on ${path}` });
    });
    ws.on('error', (err: Error) => done({ path, outcome: 'not-offered', detail: `upgrade failed: ${err.message}` }));
  });
}
