/**
 * The device profile of the virtual bench's emulated devices. It drives the device's local
 * management API (/api/v1/ on its https service, harness/virtual-bench/update-client-api.ts)
 * with the lab-provisioned bearer token from the device's profileAccess. The device's own
 * certificate is not verified: the API is a lab test hook on the isolated bench, and the
 * weak device's certificate is expired by design; what the suite judges is the update client.
 */
import https from 'node:https';
import { TrustlabError } from '../../harness/errors.ts';
import { PROFILE_API_VERSION, type ProfileContext, type ProfilePlugin } from '../../harness/plugins/types.ts';
import { BENCH_PORTS } from '../../harness/virtual-bench/types.ts';

const REQUEST_TIMEOUT_MS = 5000;

interface ApiReply {
  status: number;
  body: Record<string, unknown>;
}

/** One call to the device's local API, through the scope guard. */
function call(ctx: ProfileContext, method: string, path: string, body?: unknown, timeoutMs = REQUEST_TIMEOUT_MS): Promise<ApiReply> {
  const { address } = ctx.device;
  ctx.guard.assertInScope(address, `call the local API of ${ctx.device.id}`);
  const token = ctx.access?.token;
  if (token === undefined) {
    return Promise.reject(new TrustlabError('TL_PROFILE', `device ${ctx.device.id}: profileAccess.token is not set; the virtual-bench profile needs the device's management token`));
  }
  const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
  return new Promise((resolve, reject) => {
    const req = https.request({
      host: address, port: BENCH_PORTS.https, method, path, agent: false, rejectUnauthorized: false, signal: ctx.signal,
      // The weak device only speaks TLS 1.0 at security level 0; the profile must still reach it.
      minVersion: 'TLSv1', ciphers: 'DEFAULT:@SECLEVEL=0', timeout: timeoutMs,
      headers: { Authorization: `Bearer ${token}`, ...(payload ? { 'Content-Type': 'application/json', 'Content-Length': payload.length } : {}) },
    });
    req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on('error', (err) => reject(err.name === 'AbortError' ? err : new TrustlabError('TL_TRANSPORT', `local API of ${ctx.device.id} ${method} ${path}: ${err.message}`, { cause: err })));
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const status = res.statusCode ?? 0;
        if (status === 401 || status === 403) {
          return reject(new TrustlabError('TL_PROFILE', `the local API of ${ctx.device.id} refused the lab's token (HTTP ${status}); check profileAccess.token`));
        }
        let parsed: unknown = {};
        try {
          parsed = chunks.length > 0 ? JSON.parse(Buffer.concat(chunks).toString('utf8')) : {};
        } catch {
          return reject(new TrustlabError('TL_PROFILE', `the local API of ${ctx.device.id} answered ${method} ${path} with non-JSON`));
        }
        resolve({ status, body: (parsed ?? {}) as Record<string, unknown> });
      });
    });
    req.end(payload);
  });
}

function expectStatus(reply: ApiReply, ok: number[], what: string, ctx: ProfileContext): void {
  if (!ok.includes(reply.status)) throw new TrustlabError('TL_PROFILE', `device ${ctx.device.id}: ${what} answered HTTP ${reply.status}`);
}

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

/** The virtual bench devices' profile. */
export const virtualBenchProfile: ProfilePlugin = {
  apiVersion: PROFILE_API_VERSION,
  id: 'virtual-bench',
  version: '1.0.0',
  title: 'trustlab virtual bench device (local management API)',
  capabilities: ['read-identity', 'set-update-source', 'trigger-update-check', 'read-update-settings', 'factory-reset'],
  async readIdentity(ctx) {
    const reply = await call(ctx, 'GET', '/api/v1/identity');
    expectStatus(reply, [200], 'identity', ctx);
    const b = reply.body;
    const out: Record<string, string> = {};
    for (const k of ['firmwareVersion', 'serial', 'model', 'vendor'] as const) if (str(b[k]) !== undefined) out[k] = str(b[k])!;
    return out;
  },
  async setUpdateSource(ctx, source) {
    const reply = await call(ctx, 'PUT', '/api/v1/update/source', { url: source.url, trustAnchorPem: source.trustAnchorPem });
    if (reply.status === 400) return { pointed: false, why: str(reply.body.error) ?? 'refused' };
    expectStatus(reply, [204], 'set update source', ctx);
    return { pointed: true };
  },
  async triggerUpdateCheck(ctx, timeoutMs) {
    let reply: ApiReply;
    try {
      reply = await call(ctx, 'POST', '/api/v1/update/check', undefined, timeoutMs);
    } catch (err) {
      if (err instanceof TrustlabError && err.code === 'TL_TRANSPORT' && /no answer within/.test(err.message)) return { finished: false };
      throw err;
    }
    if (reply.status === 202) return { finished: false, deviceSays: 'still running' };
    expectStatus(reply, [200], 'update check', ctx);
    const b = reply.body;
    const reason = str(b.reason);
    return { finished: true, deviceSays: `${str(b.result) ?? 'unknown'}${reason ? `: ${reason}` : ''}` };
  },
  async readUpdateSettings(ctx) {
    const reply = await call(ctx, 'GET', '/api/v1/update/settings');
    expectStatus(reply, [200], 'update settings', ctx);
    const { automatic, source } = reply.body;
    return { ...(typeof automatic === 'boolean' ? { automatic } : {}), ...(typeof source === 'string' ? { sources: [source] } : {}) };
  },
  async factoryReset(ctx) {
    expectStatus(await call(ctx, 'POST', '/api/v1/factory-reset'), [204], 'factory reset', ctx);
  },
};
