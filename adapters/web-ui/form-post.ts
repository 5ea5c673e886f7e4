/**
 * The fast path for a corpus on a login form: the browser reads the form once (action,
 * method, field names, hidden fields), then each credential is submitted as that same form
 * submission over undici, and the answer is judged the way the browser would see it (a
 * redirect away from the login page or a page without a password field is success). Every
 * credential the fast path accepts is replayed in the browser, which has the final word and
 * takes the screenshot. Forms that submit through script (no action, no method) use the browser
 * for every attempt.
 */
import type { Browser } from 'playwright-core';
import { Client } from 'undici';
import { TrustlabError } from '../../harness/errors.ts';
import type { LoginCredential, LoginResult } from '../../harness/plugins/types.ts';
import { deviceContext, tryUntilLockedOut, webTryAll, type LoginForm, type WebLoginResult, type WebTarget } from './login-form.ts';

/** A form as the browser parsed it. */
export interface FormSpec {
  action: string;
  method: 'GET' | 'POST';
  userField?: string;
  passField: string;
  hidden: Record<string, string>;
}

/** Read the login form's submission shape; undefined for script-driven forms. */
export async function readFormSpec(browser: Browser, t: WebTarget, form: LoginForm): Promise<FormSpec | undefined> {
  const ctx = await deviceContext(browser, t);
  try {
    const page = await ctx.newPage();
    await page.goto(form.url, { waitUntil: 'load' });
    return await page.locator(form.passSelector).first().evaluate((el, userSel) => {
      const f = (el as HTMLInputElement).form;
      if (!f || !f.getAttribute('action') || f.onsubmit) return undefined;
      const user = userSel ? document.querySelector(userSel) as HTMLInputElement | null : null;
      const hidden: Record<string, string> = {};
      for (const i of f.querySelectorAll('input[type="hidden"]')) if ((i as HTMLInputElement).name) hidden[(i as HTMLInputElement).name] = (i as HTMLInputElement).value;
      return { action: f.action, method: (f.method || 'get').toUpperCase() === 'POST' ? 'POST' as const : 'GET' as const, passField: (el as HTMLInputElement).name, ...(user?.name ? { userField: user.name } : {}), hidden };
    }, form.userSelector);
  } finally {
    await ctx.close();
  }
}

const LOCKED = /(locked|too many|try again later|temporarily disabled|blocked)/i;

/** Judge a form submission's answer from the login page's point of view. */
export function judgeFormAnswer(status: number, location: string | undefined, body: string, loginPath: string): { outcome: LoginResult['outcome']; detail: string } {
  if (status === 429 || status === 423 || LOCKED.test(body)) return { outcome: 'locked-out', detail: `HTTP ${status}: ${body.match(LOCKED)?.[0] ?? 'locked'}` };
  if (status >= 300 && status < 400 && location !== undefined) {
    const to = new URL(location, 'http://x').pathname;
    return to === loginPath ? { outcome: 'rejected', detail: `HTTP ${status} back to ${to}` } : { outcome: 'accepted', detail: `HTTP ${status} to ${to}` };
  }
  if (status >= 400) return { outcome: 'rejected', detail: `HTTP ${status}` };
  return /type=["']?password/i.test(body) ? { outcome: 'rejected', detail: `HTTP ${status}, login form shown again` } : { outcome: 'accepted', detail: `HTTP ${status}, no login form` };
}

// One read per form: a brute-force run submits one credential at a time.
const specs = new WeakMap<LoginForm, FormSpec | undefined>();

/** Try every credential by replaying the form submission; confirm acceptances in the browser. */
export async function formTryAll(browserOrGetter: Browser | (() => Promise<Browser>), t: WebTarget, form: LoginForm, creds: readonly LoginCredential[], parallel = 2): Promise<WebLoginResult[]> {
  // The browser starts only when needed: a cached form shape and no acceptance need none.
  const browser = (): Promise<Browser> => (typeof browserOrGetter === 'function' ? browserOrGetter() : Promise.resolve(browserOrGetter));
  if (!specs.has(form)) specs.set(form, await readFormSpec(await browser(), t, form).catch(() => undefined));
  const spec = specs.get(form);
  if (!spec || spec.method !== 'POST') return webTryAll(await browser(), t, form, creds, parallel);
  const action = new URL(spec.action);
  const page = new URL(form.url);
  if (action.host !== page.host) return webTryAll(await browser(), t, form, creds, parallel);
  t.guard.assertInScope(t.address, `connect to port ${t.port}`);
  const client = new Client(action.origin, { connect: { rejectUnauthorized: false, timeout: t.timeoutMs ?? 5000 }, headersTimeout: t.timeoutMs ?? 5000, bodyTimeout: t.timeoutMs ?? 5000, connections: parallel } as Client.Options);
  let results: WebLoginResult[];
  try {
    results = await tryUntilLockedOut(t, creds, parallel, async (cred) => {
      const body = new URLSearchParams({ ...spec.hidden, ...(spec.userField ? { [spec.userField]: cred.username } : {}), [spec.passField]: cred.password }).toString();
      const started = performance.now();
      let res;
      try {
        res = await client.request({ method: 'POST', path: action.pathname + action.search, body, headers: { 'content-type': 'application/x-www-form-urlencoded', 'user-agent': 'trustlab', referer: form.url }, signal: t.signal });
      } catch (err) {
        throw new TrustlabError('TL_TRANSPORT', `form POST to ${action.href} failed: ${(err as Error).message}`, { cause: err });
      }
      const text = (await res.body.text()).slice(0, 65_536);
      const location = res.headers.location as string | undefined;
      const v = judgeFormAnswer(res.statusCode, location, text, page.pathname);
      return { ...v, credential: cred, elapsedMs: Math.round(performance.now() - started), transcript: `-> POST ${action.pathname} (${t.tls ? 'HTTPS' : 'HTTP'})\n-> ${body}\n<- ${res.statusCode}${location ? ` Location: ${location}` : ''}\n` };
    });
  } finally {
    await client.close().catch(() => undefined);
  }
  // The browser has the last word on every acceptance, and keeps the screenshot.
  for (const [i, r] of results.entries()) {
    if (r.outcome !== 'accepted') continue;
    const [seen] = await webTryAll(await browser(), t, form, [r.credential], 1);
    if (seen) results[i] = { ...seen, transcript: `${r.transcript}browser replay:\n${seen.transcript}` };
  }
  return results;
}
