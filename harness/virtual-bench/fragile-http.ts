/**
 * The fragile device's web server: a hand-written HTTP/1.1 parser with two planted bugs:
 *  - http-header-line-overflow: header lines are read into a 256-byte line buffer with no
 *    bound check, so a longer header line crashes the daemon;
 *  - http-chunk-size-hang: a chunk size is parsed into a signed 32-bit integer, and one that
 *    overflows it sends the body reader into an endless loop: the device hangs (port open,
 *    nothing answered) until its watchdog reboots it.
 * A request line too long, a missing Host or bad syntax gets a 4xx and the connection closes.
 */
import net from 'node:net';
import { runFragile, type FragileTiming, type Firmware } from './fragile-firmware.ts';
import { ConnectionTracker, closeTcp, listenTcp, type BindTarget, type RunningService } from './lifecycle.ts';

const LINE_BUFFER = 256;
const MAX_HEAD = 8192;

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
  for (const line of headers) {
    if (line.length > LINE_BUFFER) { fw.crash('http-header-line-overflow'); return undefined; }
  }
  const m = /^([A-Z]{1,16}) (\S{1,1024}) HTTP\/1\.[01]$/.exec(requestLine ?? '');
  if (!m) return response('400 Bad Request', '');
  const fields = new Map<string, string>();
  for (const line of headers) {
    const colon = line.indexOf(':');
    if (colon <= 0) return response('400 Bad Request', '');
    fields.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
  }
  if (!fields.has('host')) return response('400 Bad Request', 'Host required');
  if (fields.get('transfer-encoding')?.toLowerCase() === 'chunked') {
    const sizeLine = rest.toString('latin1').split('\r\n')[0] ?? '';
    if (!/^[0-9a-fA-F]+$/.test(sizeLine)) return response('400 Bad Request', 'bad chunk');
    // strtol into an int: above 0x7fffffff the size goes negative and the read loop never ends.
    if (parseInt(sizeLine, 16) > 0x7fffffff) { fw.hang('http-chunk-size-hang'); return undefined; }
  }
  const length = fields.get('content-length');
  if (length !== undefined && !/^\d{1,9}$/.test(length)) return response('400 Bad Request', 'bad length');
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
