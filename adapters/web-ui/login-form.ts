/**
 * Web UI logins the way a person would try them: Debian's chromium (never a downloaded build)
 * driven by playwright-core finds the login form, fills it, submits, and success is decided
 * from what the page does afterwards: a password field still shown means refused, HTTP 429/423
 * or a "locked" message means lockout, anything else is in. Every request the page makes to
 * an address other than the device is aborted, so the browser reaches nothing else.
 */
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { TrustlabError } from '../../harness/errors.ts';
import { ADAPTER_API_VERSION, type AdapterPlugin, type EndpointTarget, type LoginCredential, type LoginResult, type LoginTarget } from '../../harness/plugins/types.ts';

/** The web UI adapter's metadata. */
export const webUiAdapter: AdapterPlugin = {
  apiVersion: ADAPTER_API_VERSION, id: 'web-ui', version: '1.0.0', title: 'Web UI form login (chromium via playwright)', protocols: ['http', 'https'],
};

export const CHROMIUM = '/usr/bin/chromium';
const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

/** A web endpoint. */
export interface WebTarget extends LoginTarget {
  tls: boolean;
}

/** Where the form is and how to fill it. */
export interface LoginForm {
  url: string;
  userSelector?: string;
  passSelector: string;
}

/** A web login result, with a screenshot of the page after an accepted login. */
export interface WebLoginResult extends LoginResult {
  screenshot?: Buffer;
}

/** Launch Debian's chromium headless; a missing binary is TL_TOOL_MISSING. */
export async function launchBrowser(): Promise<Browser> {
  try {
    return await chromium.launch({ executablePath: CHROMIUM, args: FLAGS, headless: true, timeout: 30_000 });
  } catch (err) {
    throw new TrustlabError('TL_TOOL_MISSING', `cannot start ${CHROMIUM}: ${(err as Error).message.split('\n')[0]}`, { details: ['Debian package: chromium'], cause: err });
  }
}

const origin = (t: EndpointTarget & { tls: boolean }): string => `${t.tls ? 'https' : 'http'}://${t.address.includes(':') ? `[${t.address}]` : t.address}:${t.port}`;

/** A context that can reach the device only. */
export async function deviceContext(browser: Browser, t: WebTarget): Promise<BrowserContext> {
  t.guard.assertInScope(t.address, `open a browser on port ${t.port}`);
  const ctx = await browser.newContext({ ignoreHTTPSErrors: true, serviceWorkers: 'block', viewport: { width: 1024, height: 640 } });
  const host = new URL(origin(t)).hostname;
  await ctx.route('**/*', (route) => {
    const u = new URL(route.request().url());
    if (u.protocol === 'data:' || u.protocol === 'blob:' || (u.hostname === host && t.guard.allows(t.address))) return route.continue();
    return route.abort('blockedbyclient');
  });
  ctx.setDefaultTimeout(t.timeoutMs ?? 5000);
  return ctx;
}

async function formOn(page: Page): Promise<Omit<LoginForm, 'url'> | undefined> {
  const pass = page.locator('input[type="password"]:visible').first();
  if ((await pass.count()) === 0) return undefined;
  const name = await pass.getAttribute('name');
  const passSelector = name ? `input[type="password"][name="${name}"]` : 'input[type="password"]';
  // The username field: the last text-like input before the password field in the same form.
  const userName = await pass.evaluate((el) => {
    const inputs = [...(el.closest('form') ?? document).querySelectorAll('input')];
    const before = inputs.slice(0, inputs.indexOf(el as HTMLInputElement)).filter((i) => ['text', 'email', ''].includes(i.type) || !i.getAttribute('type'));
    const u = before[before.length - 1];
    return u ? (u.name ? `input[name="${u.name}"]` : u.id ? `#${u.id}` : 'input[type="text"]') : undefined;
  });
  return { passSelector, ...(userName ? { userSelector: userName } : {}) };
}

/** Look for a login form on each path; the first one found wins. */
export async function findLoginForm(browser: Browser, t: WebTarget, paths: readonly string[]): Promise<{ form?: LoginForm; visited: string[] }> {
  const ctx = await deviceContext(browser, t);
  const visited: string[] = [];
  try {
    const page = await ctx.newPage();
    for (const p of paths) {
      const res = await page.goto(origin(t) + p, { waitUntil: 'load' }).catch((err: Error) => { visited.push(`${p} -> ${err.message.split('\n')[0]}`); return undefined; });
      if (!res) continue;
      visited.push(`${p} -> ${res.status()} ${page.url()}`);
      const form = await formOn(page);
      if (form) return { form: { url: page.url(), ...form }, visited };
    }
    return { visited };
  } finally {
    await ctx.close();
  }
}

const LOCKED = /(locked|too many|try again later|temporarily disabled|blocked)/i;

/** One attempt in a fresh context: fill, submit, judge what the page does. */
async function attempt(browser: Browser, t: WebTarget, form: LoginForm, cred: LoginCredential): Promise<WebLoginResult> {
  const ctx = await deviceContext(browser, t);
  try {
    const page = await ctx.newPage();
    await page.goto(form.url, { waitUntil: 'load' });
    if (form.userSelector) await page.fill(form.userSelector, cred.username);
    await page.fill(form.passSelector, cred.password);
    const started = performance.now();
    const nav = page.waitForNavigation({ waitUntil: 'load' }).catch(() => null);
    await page.press(form.passSelector, 'Enter');
    const res = await nav;
    const status = res?.status();
    const text = await page.locator('body').innerText().catch(() => '');
    const stillForm = (await page.locator('input[type="password"]:visible').count()) > 0;
    const elapsedMs = Math.round(performance.now() - started);
    const where = `HTTP ${status ?? '?'} at ${new URL(page.url()).pathname}`;
    const transcript = `GET ${form.url}\nfill ${form.userSelector ?? '(no username field)'} = ${JSON.stringify(cred.username)}\nfill ${form.passSelector} = ${JSON.stringify(cred.password)}\nsubmit -> ${where}\npage text: ${JSON.stringify(text.slice(0, 200))}\n`;
    if (status === 429 || status === 423 || LOCKED.test(text)) return { outcome: 'locked-out', credential: cred, detail: `${where}: ${text.match(LOCKED)?.[0] ?? 'locked'}`, elapsedMs, transcript };
    if (stillForm || (status !== undefined && status >= 400)) return { outcome: 'rejected', credential: cred, detail: `${where}, login form shown again`, elapsedMs, transcript };
    return { outcome: 'accepted', credential: cred, detail: `${where}, no login form any more`, elapsedMs, transcript, screenshot: await page.screenshot({ type: 'png' }) };
  } finally {
    await ctx.close();
  }
}

/**
 * Run `tryOne` over the credentials on `parallel` workers, each attempt paced by the device
 * budget; the first locked-out answer stops every worker (the surface is protected).
 */
export async function tryUntilLockedOut(t: WebTarget, creds: readonly LoginCredential[], parallel: number, tryOne: (cred: LoginCredential) => Promise<WebLoginResult>): Promise<WebLoginResult[]> {
  const queue = [...creds];
  const results: WebLoginResult[] = [];
  let locked = false;
  const worker = async (): Promise<void> => {
    for (let cred = queue.shift(); cred && !locked; cred = queue.shift()) {
      if (t.budget) await t.budget.paceAttempt(t.signal);
      const r = await tryOne(cred);
      results.push(r);
      if (r.outcome === 'locked-out') locked = true;
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, parallel) }, worker));
  return results;
}

/** Try every credential on the form, `parallel` contexts at a time; stops after a lockout. */
export async function webTryAll(browser: Browser, t: WebTarget, form: LoginForm, creds: readonly LoginCredential[], parallel = 2): Promise<WebLoginResult[]> {
  // A page that failed to load or lost its form says nothing about the credential: a fault of
  // the surface (inconclusive there), never a "rejected" guess.
  return tryUntilLockedOut(t, creds, parallel, (cred) =>
    attempt(browser, t, form, cred).catch((err: Error) => {
      throw new TrustlabError('TL_TRANSPORT', `web login at ${form.url} failed: ${err.message.split('\n')[0]}`, { cause: err });
    }));
}
