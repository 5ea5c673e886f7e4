/**
 * HTTP basic and digest logins (RFC 7617, RFC 7616) over HTTP or HTTPS through undici. The
 * probe asks a path without credentials and reads the challenge; each attempt answers it. A
 * 2xx/3xx answer is acceptance, 401 rejection, 429/423 (or 503 with Retry-After) lockout.
 * Certificates are not checked: the device's TLS is judged by the encryption suite.
 */
import { createHash, randomBytes } from 'node:crypto';
import { Client } from 'undici';
import { TrustlabError } from '../../harness/errors.ts';
import { ADAPTER_API_VERSION, type AdapterPlugin, type LoginCredential, type LoginResult, type LoginTarget } from '../../harness/plugins/types.ts';

/** The HTTP auth adapter's metadata. */
export const httpAuthAdapter: AdapterPlugin = {
  apiVersion: ADAPTER_API_VERSION, id: 'http', version: '1.0.0', title: 'HTTP basic / digest authentication', protocols: ['http', 'https'],
};

/** An HTTP endpoint and the protected path. */
export interface HttpAuthTarget extends LoginTarget {
  tls: boolean;
  path: string;
}

/** A parsed WWW-Authenticate challenge. */
export interface Challenge {
  scheme: 'basic' | 'digest' | 'other';
  raw: string;
  params: Record<string, string>;
}

/** What a path answers without credentials. */
export interface HttpProbe {
  status: number;
  challenge?: Challenge;
  location?: string;
}

/** Parse one WWW-Authenticate header value (first challenge only). */
export function parseChallenge(header: string): Challenge {
  const m = /^\s*(\w+)\s*(.*)$/s.exec(header);
  const name = (m?.[1] ?? '').toLowerCase();
  const params: Record<string, string> = {};
  for (const p of (m?.[2] ?? '').matchAll(/(\w+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,]+))/g)) params[p[1]!.toLowerCase()] = p[2] ?? p[3] ?? '';
  return { scheme: name === 'basic' ? 'basic' : name === 'digest' ? 'digest' : 'other', raw: header, params };
}

const hash = (algorithm: string, text: string): string => createHash(/sha-256/i.test(algorithm) ? 'sha256' : 'md5').update(text).digest('hex');

/** The Authorization header answering a digest challenge (qop=auth or none). */
export function digestAuthorization(c: Challenge, cred: LoginCredential, method: string, uri: string, nc = 1, cnonce = randomBytes(8).toString('hex')): string {
  const alg = c.params.algorithm ?? 'MD5';
  const realm = c.params.realm ?? '';
  const nonce = c.params.nonce ?? '';
  let ha1 = hash(alg, `${cred.username}:${realm}:${cred.password}`);
  if (/-sess$/i.test(alg)) ha1 = hash(alg, `${ha1}:${nonce}:${cnonce}`);
  const ha2 = hash(alg, `${method}:${uri}`);
  const qop = (c.params.qop ?? '').split(',').map((s) => s.trim()).includes('auth') ? 'auth' : undefined;
  const ncHex = nc.toString(16).padStart(8, '0');
  const response = qop ? hash(alg, `${ha1}:${nonce}:${ncHex}:${cnonce}:${qop}:${ha2}`) : hash(alg, `${ha1}:${nonce}:${ha2}`);
  const parts = [`username="${cred.username}"`, `realm="${realm}"`, `nonce="${nonce}"`, `uri="${uri}"`, `response="${response}"`, `algorithm=${alg}`];
  if (qop) parts.push(`qop=${qop}`, `nc=${ncHex}`, `cnonce="${cnonce}"`);
  if (c.params.opaque !== undefined) parts.push(`opaque="${c.params.opaque}"`);
  return `Digest ${parts.join(', ')}`;
}

function client(t: HttpAuthTarget, connections = 1): Client {
  t.guard.assertInScope(t.address, `connect to port ${t.port}`);
  const host = t.address.includes(':') ? `[${t.address}]` : t.address;
  return new Client(`${t.tls ? 'https' : 'http'}://${host}:${t.port}`, {
    connect: { rejectUnauthorized: false, timeout: t.timeoutMs ?? 5000 },
    headersTimeout: t.timeoutMs ?? 5000, bodyTimeout: t.timeoutMs ?? 5000, pipelining: 1, connections,
  } as Client.Options);
}

async function get(c: Client, t: HttpAuthTarget, authorization?: string): Promise<{ status: number; headers: Record<string, string | string[] | undefined> }> {
  try {
    const res = await c.request({ method: 'GET', path: t.path, headers: { 'user-agent': 'trustlab', ...(authorization ? { authorization } : {}) }, signal: t.signal });
    await res.body.dump();
    return { status: res.statusCode, headers: res.headers };
  } catch (err) {
    throw new TrustlabError('TL_TRANSPORT', `HTTP GET ${t.path} on ${t.address}:${t.port} failed: ${(err as Error).message}`, { cause: err });
  }
}

const first = (v: string | string[] | undefined): string | undefined => (Array.isArray(v) ? v[0] : v);

/** GET the path without credentials and report the challenge, if any. */
export async function httpAuthProbe(t: HttpAuthTarget): Promise<HttpProbe> {
  const c = client(t);
  try {
    const r = await get(c, t);
    const header = first(r.headers['www-authenticate']);
    const location = first(r.headers.location);
    return { status: r.status, ...(header ? { challenge: parseChallenge(header) } : {}), ...(location ? { location } : {}) };
  } finally {
    await c.close().catch(() => undefined);
  }
}

/** Judge one answer to a credentialed request. */
export function judgeAnswer(status: number, retryAfter: string | undefined): { outcome: LoginResult['outcome']; detail: string } {
  if (status === 429 || status === 423 || (status === 503 && retryAfter !== undefined)) return { outcome: 'locked-out', detail: `HTTP ${status}${retryAfter ? ` Retry-After ${retryAfter}` : ''}` };
  if (status >= 200 && status < 400) return { outcome: 'accepted', detail: `HTTP ${status}` };
  return { outcome: 'rejected', detail: `HTTP ${status}` };
}

/** Try every credential against the challenge the path answers with. */
export async function httpTryAll(t: HttpAuthTarget, creds: readonly LoginCredential[], connections = 2): Promise<LoginResult[]> {
  const probe = await httpAuthProbe(t);
  const challenge = probe.challenge;
  if (probe.status !== 401 || !challenge || challenge.scheme === 'other') {
    const detail = `GET ${t.path} answered ${probe.status}${challenge ? ` (${challenge.raw})` : ''}: no basic or digest challenge`;
    return creds.map((credential) => ({ outcome: 'not-offered', credential, detail, elapsedMs: 0, transcript: '' }));
  }
  const c = client(t, connections);
  const queue = [...creds];
  const results: LoginResult[] = [];
  let current = challenge;
  let nc = 0;
  const worker = async (): Promise<void> => {
    for (let cred = queue.shift(); cred; cred = queue.shift()) {
      if (t.budget) await t.budget.paceAttempt(t.signal);
      const authFor = (ch: Challenge): string => (ch.scheme === 'basic'
        ? `Basic ${Buffer.from(`${cred.username}:${cred.password}`, 'utf8').toString('base64')}`
        : digestAuthorization(ch, cred, 'GET', t.path, ++nc));
      const started = performance.now();
      let auth = authFor(current);
      let r = await get(c, t, auth);
      let header = first(r.headers['www-authenticate']);
      // A 401 carrying a new nonce means ours was stale: answer the fresh challenge once.
      if (r.status === 401 && header && current.scheme === 'digest') {
        const fresh = parseChallenge(header);
        if (fresh.params.nonce !== current.params.nonce || /stale\s*=\s*"?true/i.test(header)) {
          current = fresh;
          auth = authFor(current);
          r = await get(c, t, auth);
          header = first(r.headers['www-authenticate']);
        }
      }
      if (header && current.scheme === 'digest') current = parseChallenge(header);
      const verdict = judgeAnswer(r.status, first(r.headers['retry-after']));
      results.push({
        ...verdict, credential: cred, elapsedMs: Math.round(performance.now() - started),
        transcript: `-> GET ${t.path} ${t.tls ? 'HTTPS' : 'HTTP'}/1.1\n-> Authorization: ${auth}\n<- ${r.status}${header ? `\n<- WWW-Authenticate: ${header}` : ''}\n`,
      });
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.max(1, connections) }, worker));
  } finally {
    await c.close().catch(() => undefined);
  }
  return results;
}
