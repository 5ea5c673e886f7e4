/**
 * Debian's chromium through playwright-core for the HTML report tests: headless, a fresh
 * profile, no network features, and every request that is not a local file aborted and
 * recorded (the report must load nothing remote). Screenshots go to test-output/.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

/** Where screenshots are kept (gitignored). */
export const TEST_OUTPUT = fileURLToPath(new URL('../../../../test-output/', import.meta.url));

const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

/** A browser session with the requests it saw. */
export interface BrowserSession {
  context: BrowserContext;
  /** Every URL requested, in order. */
  requests: string[];
  /** Requests that were not file:// (aborted). */
  blocked: string[];
  /** JavaScript dialogs (alert, confirm) any page tried to open. */
  dialogs: string[];
  newPage(): Promise<Page>;
  close(): Promise<void>;
}

/** Launch chromium (/usr/bin/chromium) with a fresh user-data-dir. */
export async function openBrowser(): Promise<BrowserSession> {
  const profile = mkdtempSync(path.join(os.tmpdir(), 'trustlab-chromium-'));
  const context = await chromium.launchPersistentContext(profile, { executablePath: '/usr/bin/chromium', headless: true, args: ARGS, viewport: { width: 1280, height: 900 } });
  const session: BrowserSession = {
    context,
    requests: [],
    blocked: [],
    dialogs: [],
    async newPage() {
      const page = await context.newPage();
      page.on('dialog', (d) => {
        session.dialogs.push(d.message());
        void d.dismiss();
      });
      return page;
    },
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
  context.on('request', (r) => session.requests.push(r.url()));
  await context.route((url) => url.protocol !== 'file:', async (route) => {
    session.blocked.push(route.request().url());
    await route.abort();
  });
  return session;
}

/** A full-page screenshot under test-output/; returns its path. */
export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(TEST_OUTPUT, { recursive: true });
  const file = path.join(TEST_OUTPUT, name);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

/** Check the rendered report: the chart is drawn, failures and evidence links are there. */
export async function chartBars(page: Page): Promise<{ verdict: string; count: number; width: number; height: number }[]> {
  const bars = page.locator('#verdict-chart rect.bar');
  const out = [];
  for (let i = 0; i < (await bars.count()); i++) {
    const bar = bars.nth(i);
    const box = await bar.boundingBox();
    out.push({
      verdict: ((await bar.getAttribute('class')) ?? '').replace('bar bar-', ''),
      count: Number(await bar.getAttribute('data-count')),
      width: box?.width ?? 0,
      height: box?.height ?? 0,
    });
  }
  return out;
}
