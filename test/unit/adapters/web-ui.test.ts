/**
 * Contract test of the web UI adapter with Debian's chromium against the virtual bench's web
 * admin: the form is found, the right password is told apart from wrong ones by what the page
 * does (with a PNG screenshot), the form replay agrees with the browser, and the hardened
 * device's lockout (429) is reported as locked-out. The browser reaches only the device.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { startVirtualDevice, type VirtualDevice } from '../../../harness/virtual-bench/index.ts';
import { createScopeGuard } from '../../../harness/scope/guard.ts';
import { deviceContext, findLoginForm, launchBrowser, webTryAll } from '../../../adapters/web-ui/login-form.ts';
import { formTryAll } from '../../../adapters/web-ui/form-post.ts';

const WEAK = '127.94.2.11';
const HARD = '127.94.2.12';
const guard = createScopeGuard(['127.94.2.0/24']);
let weak: VirtualDevice;
let hard: VirtualDevice;
let browser: Browser;

beforeAll(async () => {
  [weak, hard, browser] = await Promise.all([
    startVirtualDevice({ id: 'w-weak', address: WEAK, profile: 'weak' }),
    startVirtualDevice({ id: 'w-hard', address: HARD, profile: 'hardened' }),
    launchBrowser(),
  ]);
}, 30_000);
afterAll(async () => {
  await Promise.all([weak?.stop(), hard?.stop(), browser?.close()]);
});

describe('web-ui (chromium via playwright)', () => {
  const t = { guard, address: WEAK, port: 8080, tls: false, timeoutMs: 5000 };
  const creds = [{ username: 'admin', password: 'nope' }, { username: 'admin', password: 'admin' }];

  it('finds the form and tells success from failure by what the page does', async () => {
    const { form } = await findLoginForm(browser, t, ['/', '/login']);
    expect(form).toMatchObject({ url: `http://${WEAK}:8080/login`, userSelector: 'input[name="user"]' });
    const r = await webTryAll(browser, t, form!, creds);
    const ok = r.find((x) => x.outcome === 'accepted')!;
    expect(ok.credential.password).toBe('admin');
    expect(ok.screenshot!.subarray(1, 4).toString()).toBe('PNG');
    expect(r.find((x) => x.credential.password === 'nope')!.outcome).toBe('rejected');
  });

  it('the form replay agrees with the browser and the browser confirms the acceptance', async () => {
    const { form } = await findLoginForm(browser, t, ['/login']);
    const r = await formTryAll(browser, t, form!, creds);
    expect(Object.fromEntries(r.map((x) => [x.credential.password, x.outcome]))).toEqual({ nope: 'rejected', admin: 'accepted' });
    expect(r.find((x) => x.outcome === 'accepted')!.transcript).toContain('browser replay');
  });

  it('reports the hardened form lockout over HTTPS', async () => {
    const h = { guard, address: HARD, port: 8443, tls: true, timeoutMs: 5000 };
    const { form } = await findLoginForm(browser, h, ['/login']);
    const r = await formTryAll(browser, h, form!, Array.from({ length: 7 }, (_, i) => ({ username: 'admin', password: `wrong-${i}` })), 1);
    expect(r.slice(0, 5).every((x) => x.outcome === 'rejected')).toBe(true);
    expect(r[5]!.outcome).toBe('locked-out');
    expect(r).toHaveLength(6);
  });

  it('aborts every request to an address other than the device', async () => {
    const ctx = await deviceContext(browser, t);
    try {
      const page = await ctx.newPage();
      await expect(page.goto('http://127.94.2.99:8080/')).rejects.toThrow(/ERR_BLOCKED_BY_CLIENT/);
    } finally {
      await ctx.close();
    }
  });
});
