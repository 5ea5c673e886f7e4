/**
 * The device's RTSP service (RFC 2326): OPTIONS and DESCRIBE on its stream paths, guarded by
 * basic or digest authentication (RFC 7617 / 7616 as IP cameras use them) or open to anyone.
 * A DESCRIBE that passes returns an SDP description; no media is ever streamed.
 */
import { createHash, randomBytes } from 'node:crypto';
import net from 'node:net';
import { ConnectionTracker, closeTcp, listenTcp, once, type BindTarget, type RunningService } from './lifecycle.ts';

/** Options of one RTSP service. */
export interface RtspOptions {
  target: BindTarget;
  auth: 'none' | 'basic' | 'digest';
  users: { username: string; password: string }[];
  paths: string[];
}

const REALM = 'IP Camera';
const md5 = (s: string): string => createHash('md5').update(s).digest('hex');

function authorized(header: string | undefined, opts: RtspOptions, method: string, nonce: string): boolean {
  if (opts.auth === 'none') return true;
  if (!header) return false;
  if (opts.auth === 'basic') {
    const m = /^Basic\s+(\S+)$/i.exec(header);
    if (!m) return false;
    const text = Buffer.from(m[1]!, 'base64').toString('utf8');
    return opts.users.some((u) => `${u.username}:${u.password}` === text);
  }
  const p: Record<string, string> = {};
  for (const x of header.replace(/^Digest\s+/i, '').matchAll(/(\w+)="?([^",]*)"?/g)) p[x[1]!] = x[2]!;
  const u = opts.users.find((x) => x.username === p.username);
  if (!u || p.nonce !== nonce || !p.uri) return false;
  const ha1 = md5(`${u.username}:${REALM}:${u.password}`);
  const ha2 = md5(`${method}:${p.uri}`);
  const expect = p.qop ? md5(`${ha1}:${nonce}:${p.nc}:${p.cnonce}:${p.qop}:${ha2}`) : md5(`${ha1}:${nonce}:${ha2}`);
  return p.response === expect;
}

function sdp(address: string): string {
  return `v=0\r\no=- 0 0 IN IP4 ${address}\r\ns=Stream\r\nc=IN IP4 0.0.0.0\r\nt=0 0\r\nm=video 0 RTP/AVP 96\r\na=rtpmap:96 H264/90000\r\n`;
}

function session(socket: net.Socket, opts: RtspOptions): void {
  const nonce = randomBytes(12).toString('hex');
  let buffer = '';
  socket.setTimeout(60_000, () => socket.destroy());
  const respond = (cseq: string, status: string, headers: Record<string, string> = {}, body = ''): void => {
    const lines = [`RTSP/1.0 ${status}`, `CSeq: ${cseq}`, 'Server: trustlab bench RTSP', ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`), `Content-Length: ${Buffer.byteLength(body)}`];
    if (socket.writable) socket.write(`${lines.join('\r\n')}\r\n\r\n${body}`);
  };
  const handle = (head: string): void => {
    const [start = '', ...rest] = head.split('\r\n');
    const headers: Record<string, string> = {};
    for (const l of rest) { const i = l.indexOf(':'); if (i > 0) headers[l.slice(0, i).trim().toLowerCase()] = l.slice(i + 1).trim(); }
    const cseq = headers.cseq ?? '0';
    const m = /^(\w+)\s+(\S+)\s+RTSP\/1\.0$/.exec(start);
    if (!m) return respond(cseq, '400 Bad Request');
    const [, method, url] = m as unknown as [string, string, string];
    if (method === 'OPTIONS') return respond(cseq, '200 OK', { Public: 'OPTIONS, DESCRIBE' });
    if (method !== 'DESCRIBE') return respond(cseq, '405 Method Not Allowed', { Allow: 'OPTIONS, DESCRIBE' });
    let path: string;
    try { path = new URL(url.replace(/^rtsp:/, 'http:')).pathname; } catch { return respond(cseq, '400 Bad Request'); }
    if (!opts.paths.includes(path)) return respond(cseq, '404 Not Found');
    if (!authorized(headers.authorization, opts, method, nonce)) {
      const challenge = opts.auth === 'basic' ? `Basic realm="${REALM}"` : `Digest realm="${REALM}", nonce="${nonce}"`;
      return respond(cseq, '401 Unauthorized', { 'WWW-Authenticate': challenge });
    }
    respond(cseq, '200 OK', { 'Content-Type': 'application/sdp', 'Content-Base': `${url}/` }, sdp(opts.target.address));
  };
  socket.on('data', (chunk: Buffer) => {
    buffer += chunk.toString('latin1');
    if (buffer.length > 16_384) { socket.destroy(); return; }
    for (let end = buffer.indexOf('\r\n\r\n'); end >= 0; end = buffer.indexOf('\r\n\r\n')) {
      const head = buffer.slice(0, end);
      buffer = buffer.slice(end + 4);
      handle(head);
    }
  });
}

/** Start the RTSP service on the target address and port. */
export async function startRtsp(opts: RtspOptions): Promise<RunningService> {
  const tracker = new ConnectionTracker();
  const server = net.createServer((socket) => session(socket, opts));
  await listenTcp(server, opts.target, tracker);
  return { stop: once(() => closeTcp(server, tracker)) };
}
