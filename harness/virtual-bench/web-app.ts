/**
 * The device's embedded web admin: an index, a form login at /login that sets a session cookie
 * and redirects to /status, and an /admin page behind HTTP basic auth (or the session when
 * basic auth is off), and the http/https listeners that serve it. Weaknesses are options so
 * one handler serves every profile.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import type net from 'node:net';
import type tls from 'node:tls';
import { ConnectionTracker, closeTcp, listenTcp, once, type BindTarget, type RunningService } from './lifecycle.ts';
import { tlsServerOptions, type TlsGrade, type TlsMaterial } from './tls-material.ts';

/** How the web admin of one device behaves. */
export interface WebAppOptions {
  title: string;
  serial: string;
  firmwareVersion: string;
  /** Value of the Server header; omitted when undefined (no version banner). */
  serverHeader?: string;
  /** Account checked by both the form login and (when enabled) basic auth. */
  account: { username: string; password: string };
  basicAuth: boolean;
  /** Consecutive form-login failures after which the account locks (429); none when undefined. */
  lockoutAfter?: number;
  /** Mark the session cookie Secure/HttpOnly/SameSite and send HSTS (served over https). */
  secureCookies: boolean;
}

const MAX_BODY = 4096;
const LOCKOUT_MS = 5 * 60_000;

function equal(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function page(title: string, body: string): string {
  return `<!DOCTYPE html>\n<html><head><title>${title}</title></head><body>\n${body}\n</body></html>\n`;
}

function readBody(req: http.IncomingMessage): Promise<string | undefined> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY) { resolve(undefined); req.destroy(); return; }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', () => resolve(undefined));
  });
}

function cookieValue(req: http.IncomingMessage, name: string): string | undefined {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const [key, ...rest] = part.trim().split('=');
    if (key === name) return rest.join('=');
  }
  return undefined;
}

/** Build the request handler of one device's web admin. */
export function createWebApp(opts: WebAppOptions): http.RequestListener {
  const sessions = new Set<string>();
  let failures = 0;
  let lockedUntil = 0;
  const { account } = opts;
  const title = escapeHtml(opts.title);
  const serial = escapeHtml(opts.serial);

  const send = (res: http.ServerResponse, status: number, body: string, headers: http.OutgoingHttpHeaders = {}): void => {
    const base: http.OutgoingHttpHeaders = { 'Content-Type': 'text/html; charset=utf-8', 'Content-Length': Buffer.byteLength(body) };
    if (opts.serverHeader !== undefined) base.Server = opts.serverHeader;
    if (opts.secureCookies) {
      base['Strict-Transport-Security'] = 'max-age=31536000';
      base['X-Content-Type-Options'] = 'nosniff';
      base['X-Frame-Options'] = 'DENY';
    }
    res.writeHead(status, { ...base, ...headers });
    res.end(body);
  };

  const basicOk = (req: http.IncomingMessage): boolean => {
    const m = /^Basic\s+([A-Za-z0-9+/=]+)$/.exec(req.headers.authorization ?? '');
    if (!m?.[1]) return false;
    const decoded = Buffer.from(m[1], 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    return colon >= 0 && equal(decoded.slice(0, colon), account.username) && equal(decoded.slice(colon + 1), account.password);
  };

  const hasSession = (req: http.IncomingMessage): boolean => {
    const token = cookieValue(req, 'session');
    return token !== undefined && sessions.has(token);
  };

  const loginForm = (message = ''): string =>
    page(`${title} - Login`, `<h1>${title}</h1>${message ? `<p class="error">${message}</p>` : ''}\n` +
      '<form method="POST" action="/login"><input name="user"><input name="pass" type="password">' +
      '<button type="submit">Login</button></form>');

  const login = async (req: http.IncomingMessage, res: http.ServerResponse): Promise<void> => {
    const body = await readBody(req);
    if (body === undefined) return send(res, 413, page('Error', '<p>Request too large</p>'));
    if (opts.lockoutAfter !== undefined && Date.now() < lockedUntil) {
      const retry = Math.ceil((lockedUntil - Date.now()) / 1000);
      return send(res, 429, loginForm('Account locked: too many failed login attempts'), { 'Retry-After': String(retry) });
    }
    const form = new URLSearchParams(body);
    if (equal(form.get('user') ?? '', account.username) && equal(form.get('pass') ?? '', account.password)) {
      failures = 0;
      const token = randomBytes(16).toString('hex');
      sessions.add(token);
      const flags = opts.secureCookies ? '; Secure; HttpOnly; SameSite=Strict' : '';
      return send(res, 302, '', { Location: '/status', 'Set-Cookie': `session=${token}; Path=/${flags}` });
    }
    failures += 1;
    if (opts.lockoutAfter !== undefined && failures >= opts.lockoutAfter) {
      lockedUntil = Date.now() + LOCKOUT_MS;
      failures = 0;
    }
    return send(res, 401, loginForm('Invalid username or password'));
  };

  const status = (): string =>
    page(`${title} - Status`, `<h1>Device status</h1><dl><dt>Serial</dt><dd>${serial}</dd>` +
      `<dt>Firmware</dt><dd>${opts.firmwareVersion}</dd><dt>Uptime</dt><dd>${Math.round(process.uptime())} s</dd></dl>`);

  const route = async (req: http.IncomingMessage, res: http.ServerResponse): Promise<void> => {
    const path = (req.url ?? '/').split('?')[0];
    const method = req.method ?? 'GET';
    if (path === '/' && method === 'GET') {
      return send(res, 200, page(title, `<h1>${title}</h1><a href="/login">Login</a> <a href="/admin">Admin</a>`));
    }
    if (path === '/login') {
      if (method === 'POST') return login(req, res);
      if (method === 'GET') return send(res, 200, loginForm());
      return send(res, 405, page('Error', '<p>Method not allowed</p>'), { Allow: 'GET, POST' });
    }
    if (path === '/status') {
      return hasSession(req) ? send(res, 200, status()) : send(res, 302, '', { Location: '/login' });
    }
    if (path === '/admin') {
      if (opts.basicAuth) {
        if (basicOk(req)) return send(res, 200, page(`${title} - Admin`, '<h1>Administration</h1><p>Firmware upgrade, users, network</p>'));
        return send(res, 401, page('Unauthorized', '<p>401 Unauthorized</p>'), { 'WWW-Authenticate': `Basic realm="${title}"` });
      }
      return hasSession(req) ? send(res, 200, page('Admin', '<h1>Administration</h1>')) : send(res, 302, '', { Location: '/login' });
    }
    return send(res, 404, page('Not Found', '<p>404 Not Found</p>'));
  };

  return (req, res) => {
    route(req, res).catch(() => {
      if (!res.headersSent) send(res, 500, page('Error', '<p>Internal error</p>'));
      else res.destroy();
    });
  };
}

// Short timeouts so a slowloris-style fuzz case cannot pin connections for minutes; the
// values are still generous for a scanner on loopback.
function harden(server: http.Server): void {
  server.headersTimeout = 10_000;
  server.requestTimeout = 15_000;
  server.keepAliveTimeout = 5_000;
  server.maxHeadersCount = 100;
  server.on('clientError', (_err: Error, socket: net.Socket) => socket.destroy());
}

/** The handler behind the target's interceptor, if it has one. */
function withIntercept(target: BindTarget, handler: http.RequestListener): http.RequestListener {
  const intercept = target.intercept;
  return intercept ? (req, res) => void (intercept(req, res) || handler(req, res)) : handler;
}

/** Start a plaintext HTTP listener serving the handler. */
export async function startHttp(target: BindTarget, handler: http.RequestListener): Promise<RunningService> {
  const tracker = new ConnectionTracker();
  const server = http.createServer(withIntercept(target, handler));
  harden(server);
  await listenTcp(server, target, tracker);
  return { stop: once(() => closeTcp(server, tracker)) };
}

/** Start an HTTPS listener serving the handler with the given certificate and TLS grade. */
export async function startHttps(
  target: BindTarget,
  handler: http.RequestListener,
  material: TlsMaterial,
  grade: TlsGrade,
): Promise<RunningService> {
  const tracker = new ConnectionTracker();
  const server = https.createServer(tlsServerOptions(material, grade), withIntercept(target, handler));
  harden(server);
  // A failed handshake (wrong version, garbage bytes) is device behaviour, not a fault.
  server.on('tlsClientError', (_err: Error, socket: tls.TLSSocket) => socket.destroy());
  await listenTcp(server, target, tracker);
  return { stop: once(() => closeTcp(server, tracker)) };
}
