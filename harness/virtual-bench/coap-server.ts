/**
 * The device's CoAP endpoint (node-coap server on a UDP socket the bench binds itself, so a
 * port clash is reported rather than hidden by SO_REUSEADDR). Resource discovery at
 * /.well-known/core and a /config resource that anyone may read and overwrite.
 */
import coap from 'coap';
import type { IncomingMessage, OutgoingMessage } from 'coap';
import { bindUdp, closeUdp, once, type BindTarget, type RunningService } from './lifecycle.ts';

/** Options of one device's CoAP service. */
export interface CoapOptions {
  target: BindTarget;
  /** Initial content of /config; writes replace string fields. */
  config: Record<string, string>;
  status: Record<string, string>;
}

const LINK_FORMAT = '</config>;rt="x.device.config";ct=50;if="core.rp",</status>;rt="x.device.status";ct=50;if="core.s"';
const MAX_PAYLOAD = 1024;
const MAX_FIELDS = 32;

function reply(res: OutgoingMessage, code: string, body?: string, format?: string): void {
  res.code = code;
  if (format) res.setOption('Content-Format', format);
  res.end(body);
}

// Parse a config write: a flat JSON object of string values, bounded in size and field count.
function parseConfigWrite(payload: Buffer): Record<string, string> | undefined {
  if (payload.length > MAX_PAYLOAD) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(payload.toString('utf8'));
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const entries = Object.entries(value as Record<string, unknown>);
  if (entries.length > MAX_FIELDS || entries.some(([, v]) => typeof v !== 'string')) return undefined;
  return Object.fromEntries(entries) as Record<string, string>;
}

/** Start the CoAP service on the target address and port. */
export async function startCoap(opts: CoapOptions): Promise<RunningService> {
  const config = new Map(Object.entries(opts.config));
  const handler = (req: IncomingMessage, res: OutgoingMessage): void => {
    const path = req.url.split('?')[0];
    if (path === '/.well-known/core') {
      return req.method === 'GET' ? reply(res, '2.05', LINK_FORMAT, 'application/link-format') : reply(res, '4.05');
    }
    if (path === '/status') {
      return req.method === 'GET' ? reply(res, '2.05', JSON.stringify(opts.status), 'application/json') : reply(res, '4.05');
    }
    if (path === '/config') {
      if (req.method === 'GET') return reply(res, '2.05', JSON.stringify(Object.fromEntries(config)), 'application/json');
      if (req.method === 'PUT' || req.method === 'POST') {
        const update = parseConfigWrite(req.payload);
        if (!update) return reply(res, '4.00', 'bad config');
        // Only existing keys change, so a fuzzer cannot grow the device's memory without bound.
        for (const [key, value] of Object.entries(update)) if (config.has(key)) config.set(key, value.slice(0, 256));
        return reply(res, '2.04');
      }
      return reply(res, '4.05');
    }
    return reply(res, '4.04');
  };

  const socket = await bindUdp(opts.target);
  const server = coap.createServer({ type: 'udp4' });
  server.on('request', (req: IncomingMessage, res: OutgoingMessage) => {
    try {
      handler(req, res);
    } catch {
      // A malformed request that slips past the parser must not take the device down.
      try { reply(res, '5.00'); } catch { /* response already sent */ }
    }
  });
  server.on('error', () => {});
  server.listen(socket);
  return {
    stop: once(async () => {
      server.close();
      await closeUdp(socket);
    }),
  };
}
