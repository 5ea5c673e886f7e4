/**
 * CTM-DP-06: brute-force resistance. On every surface that takes a password, at least ten
 * rapid failed logins (random passwords, so none can succeed) as fast as the device budget
 * allows, bounded in time; the time each failure took is recorded. Protection is a lockout, a
 * rate limit, a failure delay, or delays that grow; none of these over ten failures fails.
 */
import { randomBytes } from 'node:crypto';
import type { CheckContext, CheckResult, LoginResult } from '../../harness/plugins/types.ts';
import { defineCheck } from '../../harness/plugins/registry.ts';
import { attempt, eachSurface, type BrowserHolder } from './attempts.ts';
import { findSurfaces, label, surfaceTable, type Surface } from './surfaces.ts';

const TEST = 'CTM-DP-06';

/** How the failures looked. */
export interface BruteForceMeasure {
  failures: number;
  lockedOutAfter?: number;
  medianMs: number;
  firstMs: number;
  lastMs: number;
  seconds: number;
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? 0 : s[Math.floor(s.length / 2)]!;
};
const mean = (xs: number[]): number => (xs.length === 0 ? 0 : xs.reduce((a, b) => a + b, 0) / xs.length);

/** Measure a run of failures. */
export function measure(results: readonly LoginResult[], seconds: number): BruteForceMeasure {
  const failed = results.filter((r) => r.outcome === 'rejected');
  const lock = results.findIndex((r) => r.outcome === 'locked-out');
  const times = failed.map((r) => r.elapsedMs);
  return {
    failures: failed.length, medianMs: median(times), firstMs: Math.round(mean(times.slice(0, 3))), lastMs: Math.round(mean(times.slice(-3))), seconds,
    ...(lock >= 0 ? { lockedOutAfter: results.slice(0, lock).filter((r) => r.outcome === 'rejected').length } : {}),
  };
}

/** Judge a measurement: protected (and how) or not. */
export function judgeBruteForce(m: BruteForceMeasure, wanted: number, cfg = surfaceTable.bruteForce): { status: 'pass' | 'fail'; why: string } {
  if (m.lockedOutAfter !== undefined) return { status: 'pass', why: m.lockedOutAfter === 0 ? 'the login is locked: the lockout from earlier failures in this run is still in force' : `locked out after ${m.lockedOutAfter} failure(s)` };
  if (m.medianMs >= cfg.slowFailureMs) return { status: 'pass', why: `each failure delayed (median ${m.medianMs} ms >= ${cfg.slowFailureMs} ms)` };
  if (m.failures >= 6 && m.lastMs >= cfg.growthFactor * Math.max(m.firstMs, 1) && m.lastMs >= cfg.slowFailureMs / 2) return { status: 'pass', why: `failure delays grow (${m.firstMs} ms -> ${m.lastMs} ms)` };
  if (m.failures < wanted) return { status: 'pass', why: `only ${m.failures} failure(s) possible within ${cfg.maxSeconds} s (rate limited)` };
  return { status: 'fail', why: `${m.failures} rapid failures in ${m.seconds.toFixed(1)} s with no lockout, no rate limit and no delay (median ${m.medianMs} ms per failure)` };
}

export default defineCheck({
  version: '1.0.0',
  title: 'Brute-force protection on every password login',
  testIds: [TEST],
  needs: ['ssh-login', 'telnet', 'http', 'web-ui', 'mqtt', 'ftp', 'rtsp'],
  appliesTo: () => true,
  async run(ctx): Promise<CheckResult[]> {
    if (!ctx.discoveryRan() && ctx.discovered().length === 0) return [{ testId: TEST, status: 'inconclusive', summary: 'no discovery results for this device: run the open-ports suite first' }];
    const surfaces = (await findSurfaces(ctx)).filter((s) => s.passwordLogin && !s.anonymous);
    if (surfaces.length === 0) return [{ testId: TEST, status: 'not-applicable', summary: 'no password login offered on any surface (nothing to guess)' }];
    return eachSurface(ctx, TEST, surfaces, (s, browsers) => measureSurface(ctx, s, browsers));
  },
});

/** DP-06 on one surface: `failures` wrong passwords one at a time, timed, bounded by maxSeconds. */
async function measureSurface(ctx: CheckContext, s: Surface, browsers: BrowserHolder): Promise<CheckResult[]> {
  const cfg = surfaceTable.bruteForce;
  const username = s.kind === 'telnet' ? 'root' : 'admin';
  const creds = Array.from({ length: cfg.failures }, () => ({ username, password: `tl-${randomBytes(9).toString('base64url')}` }));
  const started = performance.now();
  const results: LoginResult[] = [];
  // One at a time so each failure's own delay is seen; bounded by maxSeconds overall.
  for (const c of creds) {
    if ((performance.now() - started) / 1000 > cfg.maxSeconds) break;
    const r = await attempt(ctx, s, [c], browsers, 1);
    results.push(...r.results);
    if (r.lockout || r.results.every((x) => x.outcome === 'not-offered')) break;
  }
  const seconds = (performance.now() - started) / 1000;
  const m = measure(results, seconds);
  const ev = await ctx.putEvidence(`dp06-${label(s).replace(/[^a-z0-9]+/gi, '-')}.json`, JSON.stringify({ surface: label(s), measure: m, attempts: results.map(({ transcript: _t, ...r }) => r) }, null, 1), 'application/json');
  if (results.length > 0 && results.every((x) => x.outcome === 'not-offered')) {
    return [{ testId: TEST, status: 'not-applicable', target: s.target, summary: `${label(s)}: the login was not offered when tried`, evidence: [ev] }];
  }
  const j = judgeBruteForce(m, cfg.failures);
  return [{ testId: TEST, status: j.status, target: s.target, summary: `${label(s)}: ${j.why}`, evidence: [ev], data: { surface: s.kind, ...m, table: surfaceTable.ref } }];
}
