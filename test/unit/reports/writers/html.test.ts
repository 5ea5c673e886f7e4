/**
 * The HTML writer on the fixture report: self-contained (a CSP that forbids remote loads,
 * nothing but links inside the page and to evidence in the bag), hostile banners shown as
 * text, and in Debian's chromium: it renders, the chart is drawn, a failure's evidence opens.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { htmlWriter, remoteLoadProblems } from '../../../../reports/writers/html.ts';
import { chartBars, openBrowser, screenshot, type BrowserSession } from './browser.ts';
import { EVIDENCE, fixtureReport, HOSTILE } from './fixture.ts';

const html = Buffer.from(htmlWriter.render(fixtureReport())).toString('utf8');

describe('html writer (text)', () => {
  it('is one self-contained file: a CSP forbidding remote loads, no script, links only inside the bag', () => {
    expect(html).toContain(`<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'">`);
    expect(html).toContain('<meta name="generator" content="trustlab-html-writer/1.0.0">');
    expect(remoteLoadProblems(html)).toEqual([]);
    expect(html).not.toMatch(/<script|<link/i);
    // The only URL in an attribute is the SVG namespace name, which is never fetched.
    expect([...html.matchAll(/="(https?:[^"]*)"/g)].map((m) => m[1])).toEqual(['http://www.w3.org/2000/svg']);
    const hrefs = [...html.matchAll(/href="([^"]*)"/g)].map((m) => m[1]!);
    expect(hrefs.filter((h) => !h.startsWith('#'))).toEqual([
      '../evidence/0a1b2c3d4e5f6071-cam-tcp-scan.json', '../evidence/1b2c3d4e5f607182-cam-telnet-login.txt',
    ]);
  });

  it('refuses to write a page that would load something (the self-check can fail)', () => {
    expect(remoteLoadProblems(html.replace('</body>', '<img src="https://cdn.example/x.png"></body>'))).toHaveLength(2);
    expect(remoteLoadProblems(html.replace('</style>', '@import "https://fonts.example/css";</style>'))).toEqual(['the stylesheet imports or loads a URL']);
  });

  it('escapes hostile device text everywhere it appears', () => {
    expect(html).not.toContain('<script>');
    expect(html).not.toContain('href="http://evil.example/"');
    expect(html).toContain('&lt;script&gt;alert(&quot;pwned&quot;)&lt;/script&gt;\\u{0}\\u{1b}[31m ]]&gt; -- **bold** [x](http://evil.example/)');
    expect(html).toContain('Example Testing Laboratory &lt;LLC&gt;');
  });

  it('renders the same bytes for the same report', () => {
    expect(Buffer.from(htmlWriter.render(fixtureReport())).toString('utf8')).toBe(html);
  });
});

describe('html writer in chromium', () => {
  let browser: BrowserSession;
  let bag: string;
  let page: string;

  beforeAll(async () => {
    // A bag as a run leaves it: the page in data/exports/, the evidence it links in data/evidence/.
    bag = mkdtempSync(path.join(os.tmpdir(), 'trustlab-html-'));
    mkdirSync(path.join(bag, 'data', 'exports'), { recursive: true });
    mkdirSync(path.join(bag, 'data', 'evidence'), { recursive: true });
    for (const [p, content] of Object.entries(EVIDENCE)) writeFileSync(path.join(bag, 'data', p), content);
    page = path.join(bag, 'data', 'exports', 'report.html');
    writeFileSync(page, html);
    browser = await openBrowser();
  }, 30_000);
  afterAll(async () => {
    await browser?.close();
    rmSync(bag, { recursive: true, force: true });
  });

  it('renders, draws the chart, shows hostile banners as text, opens a failure\'s evidence', async () => {
    const tab = await browser.newPage();
    await tab.goto(pathToFileURL(page).href);
    expect(await tab.title()).toBe('trustlab report run-20260110T093000Z-f1x7re');
    const bars = await chartBars(tab);
    expect(bars.map((b) => `${b.verdict}:${b.count}`)).toEqual(['fail:2', 'inconclusive:1', 'pass:1', 'fail:1', 'fail:1', 'pass:2', 'not-applicable:1']);
    for (const b of bars) expect(b.width * b.height).toBeGreaterThan(0);
    expect(await tab.locator('script').count()).toBe(0);
    const banner = tab.locator('table.ports[data-device="cam"] tr', { hasText: 'tcp/2323' }).locator('code');
    expect(await banner.textContent()).toBe(HOSTILE.replace('\u0000', '\\u{0}').replace('\u001b', '\\u{1b}'));
    expect(await tab.locator('article.failure').count()).toBe(4);
    await screenshot(tab, 'html-report-fixture.png');
    const login = tab.locator('article.failure', { hasText: 'CTM-DP-02' }).locator('a.evidence');
    await Promise.all([tab.waitForURL(/cam-telnet-login\.txt$/), login.click()]);
    expect(await tab.locator('body').innerText()).toContain('BusyBox v1.22 built-in shell (ash)');
    expect(browser.dialogs).toEqual([]);
    expect(browser.blocked).toEqual([]);
    expect(browser.requests.every((u) => u.startsWith('file://'))).toBe(true);
  }, 30_000);
});
