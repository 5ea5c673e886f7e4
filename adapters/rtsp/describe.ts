/**
 * RTSP DESCRIBE (RFC 2326 §10.2) without and with credentials, over one guarded keep-alive
 * connection per run. A 200 with an SDP body means the stream description (and so the stream)
 * is reachable; 401 carries a basic or digest challenge, answered like HTTP's (same schemes).
 */
import type net from 'node:net';
import { guardedConnect } from '../../harness/scope/guard.ts';
import { TrustlabError } from '../../harness/errors.ts';
import { ADAPTER_API_VERSION, type AdapterPlugin, type LoginCredential, type LoginResult, type LoginTarget } from '../../harness/plugins/types.ts';
import { digestAuthorization, parseChallenge, type Challenge } from '../http/auth.ts';

/** The RTSP adapter's metadata. */
export const rtspAdapter: AdapterPlugin = {
  apiVersion: ADAPTER_API_VERSION, id: 'rtsp', version: '1.0.0', title: 'RTSP DESCRIBE (anonymous, basic, digest)', protocols: ['rtsp'],
};

/** One RTSP response. */
export interface RtspResponse {
  status: number;
  reason: string;
  headers: Record<string, string>;
  body: string;
}

const MAX = 65_536;

/** Parse one complete response from buf; undefined while incomplete. */
export function parseRtspResponse(buf: Buffer): { response: RtspResponse; rest: Buffer } | undefined {
  const end = buf.indexOf('\r\n\r\n');
  if (end < 0) return undefined;
  const lines = buf.subarray(0, end).toString('latin1').split('\r\n');
  const m = /^RTSP\/\d\.\d\s+(\d{3})\s*(.*)$/.exec(lines[0] ?? '');
  if (!m) throw new RangeError(`not an RTSP status line: ${JSON.stringify((lines[0] ?? '').slice(0, 60))}`);
  const headers: Record<string, string> = {};
  for (const l of lines.slice(1)) {
    const i = l.indexOf(':');
    if (i > 0) headers[l.slice(0, i).trim().toLowerCase()] = l.slice(i + 1).trim();
  }
  const length = Math.min(Number(headers['content-length'] ?? 0) || 0, MAX);
  if (buf.length < end + 4 + length) return undefined;
  return { response: { status: Number(m[1]), reason: m[2] ?? '', headers, body: buf.subarray(end + 4, end + 4 + length).toString('utf8') }, rest: buf.subarray(end + 4 + length) };
}

/** A keep-alive RTSP connection that sends DESCRIBE requests one at a time. */
export class RtspConnection {
  private buf: Buffer = Buffer.alloc(0);
  private cseq = 0;
  private waiting?: { resolve: (r: RtspResponse | undefined) => void; reject: (e: Error) => void };
  private closed = false;

  private constructor(private readonly socket: net.Socket, private readonly t: LoginTarget) {
    socket.on('data', (b: Buffer) => {
      this.buf = Buffer.concat([this.buf, b]);
      try {
        const got = parseRtspResponse(this.buf);
        if (!got) return;
        this.buf = got.rest;
        this.waiting?.resolve(got.response);
      } catch (err) {
        this.waiting?.reject(err as Error);
      }
    });
    socket.on('close', () => { this.closed = true; this.waiting?.resolve(undefined); });
    socket.on('error', () => undefined);
  }

  /** Connect through the guard; transport faults throw TL_TRANSPORT. */
  static open(t: LoginTarget): Promise<RtspConnection> {
    const socket = guardedConnect(t.guard, { host: t.address, port: t.port });
    socket.setNoDelay(true);
    return new Promise((resolve, reject) => {
      socket.once('connect', () => resolve(new RtspConnection(socket, t)));
      socket.once('error', (err: NodeJS.ErrnoException) => reject(new TrustlabError('TL_TRANSPORT', `connect to ${t.address}:${t.port} failed: ${err.code ?? err.message}`, { cause: err })));
    });
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** The absolute URL of a path on this endpoint. */
  url(path: string): string {
    return `rtsp://${this.t.address.includes(':') ? `[${this.t.address}]` : this.t.address}:${this.t.port}${path}`;
  }

  /** Send DESCRIBE; resolves undefined when the server closes or stays silent. */
  describe(path: string, authorization?: string): Promise<{ request: string; response?: RtspResponse }> {
    const request = `DESCRIBE ${this.url(path)} RTSP/1.0\r\nCSeq: ${++this.cseq}\r\nAccept: application/sdp\r\nUser-Agent: trustlab\r\n${authorization ? `Authorization: ${authorization}\r\n` : ''}\r\n`;
    if (this.closed) return Promise.resolve({ request });
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => { this.waiting = undefined; resolve({ request }); }, this.t.timeoutMs ?? 5000);
      this.waiting = {
        resolve: (response) => { clearTimeout(timer); this.waiting = undefined; resolve({ request, ...(response ? { response } : {}) }); },
        reject: (e) => { clearTimeout(timer); this.waiting = undefined; reject(e); },
      };
      this.socket.write(request);
    });
  }

  close(): void {
    this.socket.destroy();
  }
}

const show = (req: string, res?: RtspResponse): string =>
  `${req.trimEnd().split('\r\n').map((l) => `-> ${l}`).join('\n')}\n${res ? `<- RTSP/1.0 ${res.status} ${res.reason}${res.headers['www-authenticate'] ? `\n<- WWW-Authenticate: ${res.headers['www-authenticate']}` : ''}` : '<- (no answer)'}\n`;

/** DESCRIBE a path without credentials. */
export async function rtspProbe(t: LoginTarget, path: string): Promise<{ status?: number; challenge?: Challenge; transcript: string; sdp?: string }> {
  const c = await RtspConnection.open(t);
  try {
    const { request, response } = await c.describe(path);
    const header = response?.headers['www-authenticate'];
    return {
      ...(response ? { status: response.status } : {}), ...(header ? { challenge: parseChallenge(header) } : {}),
      ...(response?.status === 200 ? { sdp: response.body } : {}), transcript: show(request, response),
    };
  } finally {
    c.close();
  }
}

/** Try every credential on a path that answered 401 with a basic or digest challenge. */
export async function rtspTryAll(t: LoginTarget, path: string, challenge: Challenge, creds: readonly LoginCredential[]): Promise<LoginResult[]> {
  const results: LoginResult[] = [];
  let c: RtspConnection | undefined;
  let current = challenge;
  let nc = 0;
  try {
    for (const cred of creds) {
      if (!c || c.isClosed) { c?.close(); c = await RtspConnection.open(t); }
      if (t.budget) await t.budget.paceAttempt(t.signal);
      const started = performance.now();
      const send = (): ReturnType<RtspConnection['describe']> => c!.describe(path, current.scheme === 'basic' ? `Basic ${Buffer.from(`${cred.username}:${cred.password}`).toString('base64')}` : digestAuthorization(current, cred, 'DESCRIBE', c!.url(path), ++nc));
      let { request, response } = await send();
      let header = response?.headers['www-authenticate'];
      // A digest nonce is often per connection or per time window: a 401 with a new nonce means ours was stale, so answer it once.
      if (response?.status === 401 && header && current.scheme === 'digest') {
        const fresh = parseChallenge(header);
        if (fresh.params.nonce !== current.params.nonce) {
          current = fresh;
          ({ request, response } = await send());
          header = response?.headers['www-authenticate'];
          if (header) current = parseChallenge(header);
        }
      }
      const status = response?.status;
      const outcome: LoginResult['outcome'] = status === 200 ? 'accepted' : status === 429 || status === 423 || status === 453 ? 'locked-out' : 'rejected';
      results.push({ outcome, credential: cred, detail: status ? `RTSP ${status} ${response!.reason}` : 'no answer', elapsedMs: Math.round(performance.now() - started), transcript: show(request, response) });
    }
  } finally {
    c?.close();
  }
  return results;
}
