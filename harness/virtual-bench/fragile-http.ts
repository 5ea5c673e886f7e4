/**
 * The fragile device's web server: a hand-written HTTP/1.1 parser with two planted bugs:
 *  - http-authorization-overflow: the Authorization header's value is copied into a 256-byte
 *    buffer with strcpy, so a longer credential crashes the daemon;
 *  - http-content-length-hang: Content-Length goes through atoi() into a signed 32-bit int;
 *    a value that is negative there passes the "too large" check and sends the body reader
 *    into an endless loop: the device hangs (port open, nothing answered) until its watchdog
 *    reboots it.
 * A request line too long, a missing Host or bad syntax gets a 4xx and the connection closes.
 */
import net from 'node:net';
import { runFragile, type FragileTiming, type Firmware } from './fragile-firmware.ts';
import { ConnectionTracker, closeTcp, listenTcp, type BindTarget, type RunningService } from './lifecycle.ts';

const AUTH_BUFFER = 256;
const MAX_HEAD = 8192;
const MAX_BODY = 4096;

/** C's atoi into an int32: optional sign, digits, wrapping on overflow as the firmware's int does. */
function atoi32(text: string): number {
  const m = /^\s*([+-]?)(\d*)/.exec(text)!;
  let v = 0;
  for (const d of m[2]!) v = (Math.imul(v, 10) + Number(d)) | 0;
  return m[1] === '-' ? -v | 0 : v;
}

function response(status: string, body: string, extra = ''): string {
  return `HTTP/1.1 ${status}\r\nServer: fragile-httpd/0.9\r\nContent-Type: text/plain\r\nContent-Length: ${Buffer.byteLength(body)}\r\n${extra}Connection: close\r\n\r\n${body}`;
}

function route(method: string, target: string): string {
  if (method === 'GET' && (target === '/' || target === '/index.html')) return response('200 OK', 'fragile device');
  if (method === 'GET' && target.startsWith('/status')) return response('200 OK', '{"online":true}');
  if (method === 'POST' && target === '/login') return response('302 Found', '', 'Location: /\r\n');
  if (method === 'GET' && target === '/admin') return response('401 Unauthorized', '', 'WWW-Authenticate: Basic realm="device"\r\n');
  if (!['GET', 'POST', 'PUT', 'HEAD', 'DELETE'].includes(method)) return response('501 Not Implemented', '');
  return response('404 Not Found', '');
}

/** Parse a whole head; returns a response, or undefined when a bug fired or the body is pending. */
function handleHead(fw: Firmware, head: string, rest: Buffer): string | undefined {
  const lines = head.split('\r\n');
  const [requestLine, ...headers] = lines;
  const m = /^([A-Z]{1,16}) (\S{1,1024}) HTTP\/1\.[01]$/.exec(requestLine ?? '');
  if (!m) return response('400 Bad Request', '');
  const fields = new Map<string, string>();
  for (const line of headers) {
    const colon = line.indexOf(':');
    if (colon <= 0) return response('400 Bad Request', '');
    fields.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
  }
  if (!fields.has('host')) return response('400 Bad Request', 'Host required');
  const auth = fields.get('authorization');
  if (auth !== undefined && auth.length > AUTH_BUFFER) { fw.crash('http-authorization-overflow'); return undefined; }
  const length = fields.get('content-length');
  if (length !== undefined) {
    const n = atoi32(length);
    if (n > MAX_BODY) return response('413 Payload Too Large', '');
    // The check above is the only one: a negative length makes `while (got < len)` spin forever.
    if (n < 0) { fw.hang('http-content-length-hang'); return undefined; }
    if (rest.length > n) return response('400 Bad Request', 'body longer than Content-Length');
  }
  return route(m[1]!, m[2]!);
}

function serve(fw: Firmware, socket: net.Socket): void {
  let buf = Buffer.alloc(0);
  socket.on('data', (d: Buffer) => {
    if (fw.hung) return;
    buf = Buffer.concat([buf, d]);
    const end = buf.indexOf('\r\n\r\n');
    if (end < 0) {
      if (buf.length > MAX_HEAD) socket.end(response('431 Request Header Fields Too Large', ''));
      return;
    }
    const out = handleHead(fw, buf.subarray(0, end).toString('latin1'), buf.subarray(end + 4));
    buf = Buffer.alloc(0);
    if (out !== undefined && !socket.destroyed && !fw.hung) socket.end(out);
  });
}

/** Start the fragile web server on the target. */
export function startFragileHttp(target: BindTarget, timing: FragileTiming): Promise<RunningService> {
  return runFragile(target, timing, (fw) => async () => {
    const tracker = new ConnectionTracker();
    const server = net.createServer((socket) => serve(fw, socket));
    await listenTcp(server, target, tracker);
    return () => closeTcp(server, tracker);
  });
}
