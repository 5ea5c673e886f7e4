/**
 * The device's local management API for its update client, served under /api/v1/ on the
 * device's HTTPS web server (like a vendor's local API or a TR-069 test hook). Every call
 * needs `Authorization: Bearer <token>` with the lab-provisioned token; a device without one
 * answers 403 to everything. This is what the virtual-bench device profile drives.
 *
 *   GET  /api/v1/identity          { vendor, model, serial, firmwareVersion }
 *   GET  /api/v1/update/settings   { automatic, source }
 *   PUT  /api/v1/update/source     { url, trustAnchorPem? } -> 204 | 400
 *   POST /api/v1/update/check      runs one check, answers its outcome (bounded)
 *   POST /api/v1/factory-reset     factory image and settings back -> 204
 */
import { timingSafeEqual, createHash } from 'node:crypto';
import type http from 'node:http';
import type { UpdateClient } from './update-client.ts';

/** A request interceptor: true when it answered the request. */
export type LocalApi = (req: http.IncomingMessage, res: http.ServerResponse) => boolean;

export interface LocalApiOptions {
  client: UpdateClient;
  vendor: string;
  model: string;
  serial: string;
  /** The lab-provisioned token; undefined leaves the API unprovisioned (403). */
  token?: string;
}

const MAX_BODY = 64 * 1024;
const CHECK_TIMEOUT_MS = 15_000;

function json(res: http.ServerResponse, status: number, body?: unknown): void {
  const text = body === undefined ? '' : JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text), 'Cache-Control': 'no-store' });
  res.end(text);
}

// Hash both sides so the comparison is constant-time whatever the lengths.
const digest = (s: string): Buffer => createHash('sha256').update(s).digest();

function readJson(req: http.IncomingMessage): Promise<Record<string, unknown> | undefined> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) return void (resolve(undefined), req.destroy());
      chunks.push(c);
    });
    req.on('end', () => {
      try {
        const v = JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown;
        resolve(v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined);
      } catch {
        resolve(undefined);
      }
    });
    req.on('error', () => resolve(undefined));
  });
}

/** Build the /api/v1/ interceptor for one device. */
export function createLocalApi(opts: LocalApiOptions): LocalApi {
  const { client } = opts;
  const authorized = (req: http.IncomingMessage): boolean => {
    if (opts.token === undefined) return false;
    const m = /^Bearer\s+(\S+)$/.exec(req.headers.authorization ?? '');
    return m !== null && timingSafeEqual(digest(m[1]!), digest(opts.token));
  };

  const route = async (req: http.IncomingMessage, res: http.ServerResponse, path: string): Promise<void> => {
    const method = req.method ?? 'GET';
    if (path === '/api/v1/identity' && method === 'GET') {
      return json(res, 200, { vendor: opts.vendor, model: opts.model, serial: opts.serial, firmwareVersion: client.firmwareVersion });
    }
    if (path === '/api/v1/update/settings' && method === 'GET') return json(res, 200, client.settings());
    if (path === '/api/v1/update/source' && method === 'PUT') {
      const body = await readJson(req);
      if (!body || typeof body.url !== 'string' || (body.trustAnchorPem !== undefined && typeof body.trustAnchorPem !== 'string')) {
        return json(res, 400, { error: 'expected { url, trustAnchorPem? }' });
      }
      const problem = client.setSource(body.url, body.trustAnchorPem as string | undefined);
      return problem ? json(res, 400, { error: problem }) : json(res, 204);
    }
    if (path === '/api/v1/update/check' && method === 'POST') {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const timeout = new Promise<undefined>((resolve) => {
        timer = setTimeout(() => resolve(undefined), CHECK_TIMEOUT_MS);
      });
      const outcome = await Promise.race([client.check(), timeout]);
      clearTimeout(timer);
      return outcome ? json(res, 200, outcome) : json(res, 202, { result: 'running' });
    }
    if (path === '/api/v1/factory-reset' && method === 'POST') {
      client.factoryReset();
      return json(res, 204);
    }
    return json(res, 404, { error: 'no such endpoint' });
  };

  return (req, res) => {
    const path = (req.url ?? '/').split('?')[0]!;
    if (!path.startsWith('/api/v1/')) return false;
    if (opts.token === undefined) json(res, 403, { error: 'local API not provisioned' });
    else if (!authorized(req)) json(res, 401, { error: 'bearer token required' });
    else route(req, res, path).catch(() => (res.headersSent ? res.destroy() : json(res, 500, { error: 'internal error' })));
    return true;
  };
}
