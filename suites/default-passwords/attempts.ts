/**
 * Running credentials against one surface through its adapter, in batches on the device's
 * budget (sockets and attempts per second, shared with the rest of the run). A lockout pauses
 * the surface: the batch that saw it is the last, and the lockout is returned as evidence.
 */
import type { Browser } from 'playwright-core';
import { TrustlabError } from '../../harness/errors.ts';
import type { CheckContext, CheckResult, LoginCredential, LoginResult, LoginTarget } from '../../harness/plugins/types.ts';
import { sshTryAll } from '../../adapters/ssh/login.ts';
import { telnetTryAll } from '../../adapters/telnet/login.ts';
import { httpTryAll } from '../../adapters/http/auth.ts';
import { launchBrowser, type WebLoginResult } from '../../adapters/web-ui/login-form.ts';
import { formTryAll } from '../../adapters/web-ui/form-post.ts';
import { mqttTryAll } from '../../adapters/mqtt/connect.ts';
import { ftpTryAll } from '../../adapters/ftp/login.ts';
import { rtspTryAll } from '../../adapters/rtsp/describe.ts';
import type { CorpusProtocol } from './corpus.ts';
import { label, type Surface } from './surfaces.ts';

/** The corpus protocol tag of a surface (undefined for surfaces without password logins). */
export function protocolOf(s: Surface): CorpusProtocol | undefined {
  switch (s.kind) {
    case 'ssh': case 'telnet': case 'mqtt': case 'ftp': case 'rtsp':
      return s.kind;
    case 'http-basic': case 'http-digest': case 'web-form':
      return 'http';
    default:
      return undefined;
  }
}

/** What a run of attempts on one surface came to. */
export interface AttemptRun {
  results: WebLoginResult[];
  /** The attempt that saw a lockout, when one did. */
  lockout?: LoginResult;
  /** Credentials not tried because the surface locked. */
  untried: number;
}

/** Opens the shared browser on first use; call close() when the check is done. */
export class BrowserHolder {
  private browser?: Promise<Browser>;
  get(): Promise<Browser> {
    return (this.browser ??= launchBrowser());
  }
  async close(): Promise<void> {
    if (this.browser) await (await this.browser).close().catch(() => undefined);
  }
}

function parallelism(ctx: CheckContext): number {
  return Math.max(1, Math.min(8, ctx.device.budget.maxSockets));
}

async function batch(ctx: CheckContext, s: Surface, creds: LoginCredential[], browsers: BrowserHolder): Promise<WebLoginResult[]> {
  const t: LoginTarget = { guard: ctx.guard, address: ctx.device.address, port: s.target.port, timeoutMs: 5000, budget: ctx.budget, signal: ctx.signal };
  switch (s.kind) {
    case 'ssh':
      return sshTryAll(t, creds, s.sshMethods?.includes('password') ? 'password' : 'keyboard-interactive', { parallel: parallelism(ctx) });
    case 'telnet':
      return telnetTryAll(t, creds, { connections: parallelism(ctx), stepTimeoutMs: 10_000 });
    case 'http-basic': case 'http-digest':
      return httpTryAll({ ...t, tls: s.tls, path: s.path ?? '/' }, creds, Math.min(4, parallelism(ctx)));
    case 'web-form':
      return formTryAll(() => browsers.get(), { ...t, tls: s.tls }, s.form!, creds, Math.min(2, parallelism(ctx)));
    case 'mqtt':
      return mqttTryAll({ ...t, tls: s.tls }, creds, Math.min(4, parallelism(ctx)));
    case 'ftp':
      return ftpTryAll(t, creds);
    case 'rtsp':
      return s.challenge ? rtspTryAll(t, s.path ?? '/', s.challenge, creds) : [];
    default:
      return [];
  }
}

/** Try credentials on a surface in batches; stop at a lockout, an acceptance cap or the end. */
export async function attempt(ctx: CheckContext, s: Surface, creds: readonly LoginCredential[], browsers: BrowserHolder, batchSize = 12): Promise<AttemptRun> {
  const results: WebLoginResult[] = [];
  let i = 0;
  while (i < creds.length && !ctx.signal.aborted) {
    // Telnet waits out slow failure delays over parallel connections: give it larger batches.
    const size = s.kind === 'telnet' ? Math.max(batchSize, parallelism(ctx) * 3) : batchSize;
    const part = creds.slice(i, i + size);
    i += part.length;
    const got = await batch(ctx, s, part, browsers);
    results.push(...got);
    const lockout = got.find((r) => r.outcome === 'locked-out');
    if (lockout) return { results, lockout, untried: creds.length - i + got.filter((r) => r.outcome === 'locked-out').length - 1 };
    if (got.length > 0 && got.every((r) => r.outcome === 'not-offered')) return { results, untried: creds.length - i };
  }
  return { results, untried: creds.length - i };
}

/**
 * One surface's results. A coded fault on that surface (a transport error, a scope refusal) is
 * that surface's `inconclusive` with its code, so what the other surfaces showed (an accepted
 * default on SSH before telnet broke off, say) is kept. Aborts and uncoded bugs still propagate.
 */
export async function surfaceOrFault(ctx: CheckContext, testId: string, s: Surface, run: () => Promise<CheckResult[]>): Promise<CheckResult[]> {
  try {
    return await run();
  } catch (err) {
    if (ctx.signal.aborted || !(err instanceof TrustlabError)) throw err;
    return [{ testId, status: 'inconclusive', target: s.target, summary: `${label(s)}: could not be tested (${err.code}): ${err.message}`, data: { surface: s.kind, errorCode: err.code } }];
  }
}

/**
 * Each surface in turn with progress, one browser shared (started only if a web form needs it)
 * and closed at the end, each surface's faults kept to that surface.
 */
export async function eachSurface(ctx: CheckContext, testId: string, surfaces: readonly Surface[], judge: (s: Surface, browsers: BrowserHolder) => Promise<CheckResult[]>): Promise<CheckResult[]> {
  const out: CheckResult[] = [];
  const browsers = new BrowserHolder();
  try {
    for (const [i, s] of surfaces.entries()) {
      ctx.progress(i, surfaces.length, label(s));
      out.push(...(await surfaceOrFault(ctx, testId, s, () => judge(s, browsers))));
    }
  } finally {
    await browsers.close();
  }
  ctx.progress(surfaces.length, surfaces.length);
  return out;
}
