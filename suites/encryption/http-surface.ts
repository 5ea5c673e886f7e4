/**
 * What a plaintext HTTP service serves at a few admin paths: a redirect to https (no plaintext
 * channel), or a login or admin surface (a plaintext channel for credentials and commands).
 * One HTTP/1.0 GET per path over a guarded socket; the answer is data, never an exception.
 */
import { guardedConnect, type ScopeGuard } from '../../harness/scope/guard.ts';
import type { DeviceBudgetGate } from '../../harness/scheduler/budget.ts';

/** One path's answer. */
export interface HttpAnswer {
  path: string;
  status?: number;
  /** Location header of a redirect. */
  location?: string;
  /** WWW-Authenticate scheme(s) of a 401. */
  authenticate?: string;
  /** The page has a password field or a login form. */
  loginForm: boolean;
  error?: string;
}

/** How the service as a whole looks. */
export type HttpSurface = 'redirects-to-https' | 'credentials-in-clear' | 'content-only' | 'no-answer';

const MAX_BYTES = 65_536;

/** GET one path; resolves with what came back within the timeout. */
export async function httpGet(opts: { guard: ScopeGuard; address: string; port: number; path: string; timeoutMs?: number; budget?: Pick<DeviceBudgetGate, 'acquireSocket'>; signal?: AbortSignal }): Promise<HttpAnswer> {
  const release = opts.budget ? await opts.budget.acquireSocket(opts.signal) : () => undefined;
  const socket = guardedConnect(opts.guard, { host: opts.address, port: opts.port });
  try {
    const raw = await new Promise<{ data: Buffer; error?: string }>((resolve) => {
      const chunks: Buffer[] = [];
      let size = 0;
      const done = (error?: string): void => {
        clearTimeout(timer);
        resolve({ data: Buffer.concat(chunks), ...(error ? { error } : {}) });
      };
      const timer = setTimeout(() => done(size === 0 ? 'no answer before the timeout' : undefined), opts.timeoutMs ?? 3000);
      socket.once('connect', () => socket.write(`GET ${opts.path} HTTP/1.0\r\nHost: ${opts.address}\r\nUser-Agent: trustlab\r\nConnection: close\r\n\r\n`));
      socket.on('data', (b: Buffer) => {
        chunks.push(b);
        size += b.length;
        if (size >= MAX_BYTES) done();
      });
      socket.once('end', () => done());
      socket.once('error', (err: NodeJS.ErrnoException) => done(err.code ?? err.message));
    });
    return parseHttpAnswer(opts.path, raw.data, raw.error);
  } finally {
    socket.destroy();
    release();
  }
}

/** Read status, redirect, authentication and login-form signs from a raw HTTP response. */
export function parseHttpAnswer(path: string, data: Buffer, error?: string): HttpAnswer {
  const text = data.toString('latin1');
  const status = /^HTTP\/\d(?:\.\d)?\s+(\d{3})/.exec(text)?.[1];
  const head = text.split(/\r?\n\r?\n/, 1)[0] ?? '';
  const header = (name: string): string | undefined => new RegExp(`^${name}:\\s*([^\\r\\n]+)`, 'im').exec(head)?.[1]?.trim();
  const body = text.slice(head.length);
  const answer: HttpAnswer = {
    path,
    loginForm: /<input[^>]+type\s*=\s*["']?password/i.test(body) || /<form[^>]+action\s*=\s*["']?[^"'>]*log-?in/i.test(body),
  };
  if (status) answer.status = Number(status);
  const location = header('location');
  if (location) answer.location = location;
  const auth = header('www-authenticate');
  if (auth) answer.authenticate = auth.split(/\s+/, 1)[0];
  if (!status) answer.error = error ?? 'not an HTTP response';
  return answer;
}

/** Classify the service from its answers. */
export function classifySurface(answers: readonly HttpAnswer[]): HttpSurface {
  const answered = answers.filter((a) => a.status !== undefined);
  if (answered.length === 0) return 'no-answer';
  if (answered.some((a) => a.authenticate !== undefined || a.loginForm)) return 'credentials-in-clear';
  const redirects = (a: HttpAnswer): boolean => a.status! >= 300 && a.status! < 400 && /^https:\/\//i.test(a.location ?? '');
  if (answered.every(redirects)) return 'redirects-to-https';
  return 'content-only';
}
