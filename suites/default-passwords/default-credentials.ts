/**
 * CTM-DP-02: the credential corpus on every surface that takes a password, plus access with no
 * credentials at all (MQTT, FTP anonymous, CoAP, RTSP, WebSocket, a telnet shell without a
 * login). Every accepted credential is its own fail finding naming the surface, username and
 * password, with the transcript (and for a web form a screenshot) as evidence. A lockout
 * pauses the surface and is recorded as the device's protection, not as "could not test".
 */
import type { CheckContext, CheckResult } from '../../harness/plugins/types.ts';
import { defineCheck } from '../../harness/plugins/registry.ts';
import { attempt, eachSurface, protocolOf, type BrowserHolder } from './attempts.ts';
import { corpus, selectCredentials } from './corpus.ts';
import { findSurfaces, label, surfaceTable, type Surface } from './surfaces.ts';

const TEST = 'CTM-DP-02';

/** The corpus for one surface, capped by the suite's limits. */
export function candidatesFor(s: Surface, device: { product: { manufacturer: string; model: string } }, labLists: readonly string[] = []): ReturnType<typeof selectCredentials> {
  const protocol = protocolOf(s);
  if (!protocol) return [];
  const all = selectCredentials({ protocol, manufacturer: device.product.manufacturer, model: device.product.model, labLists });
  return all.slice(0, s.kind === 'web-form' ? surfaceTable.limits.webFormMaxAttempts : surfaceTable.limits.maxAttemptsPerSurface);
}

const safe = (s: string): string => s.replace(/[^a-z0-9]+/gi, '-');

export default defineCheck({
  version: '1.0.0',
  title: 'No default credentials and no anonymous access on any authentication surface',
  testIds: [TEST],
  needs: ['ssh-login', 'telnet', 'http', 'web-ui', 'mqtt', 'coap', 'ftp', 'rtsp', 'ws'],
  appliesTo: () => true,
  async run(ctx): Promise<CheckResult[]> {
    if (!ctx.discoveryRan() && ctx.discovered().length === 0) return [{ testId: TEST, status: 'inconclusive', summary: 'no discovery results for this device: run the open-ports suite first' }];
    const surfaces = await findSurfaces(ctx);
    if (surfaces.length === 0) return [{ testId: TEST, status: 'not-applicable', summary: 'no authentication surface among the services discovery found' }];
    return eachSurface(ctx, TEST, surfaces, (s, browsers) => judgeSurface(ctx, s, browsers));
  },
});

/** DP-02 on one surface: anonymous access, or the corpus with every acceptance a fail. */
async function judgeSurface(ctx: CheckContext, s: Surface, browsers: BrowserHolder): Promise<CheckResult[]> {
  const tables = [corpus.ref, surfaceTable.ref];
  const out: CheckResult[] = [];
  if (s.anonymous) {
    const ev = await ctx.putEvidence(`dp02-${safe(label(s))}-anonymous.txt`, s.anonymous.transcript, 'text/plain');
    return [{ testId: TEST, status: 'fail', target: s.target, summary: `${label(s)}: access without any credentials (${s.anonymous.detail})`, data: { surface: s.kind, anonymous: true, tables }, evidence: [ev] }];
  }
  if (!s.passwordLogin) {
    return [{ testId: TEST, status: 'not-applicable', target: s.target, summary: `${label(s)}: no password login offered (${s.detail})`, data: { surface: s.kind } }];
  }
  const creds = candidatesFor(s, ctx.device, ctx.config.credentialLists);
  const run = await attempt(ctx, s, creds, browsers);
  const log = await ctx.putEvidence(`dp02-${safe(label(s))}-attempts.json`, JSON.stringify(run.results.map(({ screenshot: _s, ...r }) => r), null, 1), 'application/json');
  const tried = run.results.filter((r) => r.outcome !== 'not-offered');
  const accepted = run.results.filter((r) => r.outcome === 'accepted');
  for (const a of accepted) {
    const evidence = [log, await ctx.putEvidence(`dp02-${safe(label(s))}-${safe(a.credential.username)}-accepted.txt`, a.transcript, 'text/plain')];
    if (a.screenshot) evidence.push(await ctx.putEvidence(`dp02-${safe(label(s))}-${safe(a.credential.username)}-accepted.png`, a.screenshot, 'image/png'));
    out.push({
      testId: TEST, status: 'fail', target: s.target, evidence,
      summary: `${label(s)}: default credential accepted: username "${a.credential.username}" password "${a.credential.password}" (${a.detail})`,
      data: { surface: s.kind, username: a.credential.username, password: a.credential.password, source: creds.find((c) => c.username === a.credential.username && c.password === a.credential.password)?.source, tables },
    });
  }
  if (accepted.length > 0) return out;
  if (tried.length === 0) {
    return [{ testId: TEST, status: 'not-applicable', target: s.target, summary: `${label(s)}: the login was not offered when tried (${run.results[0]?.detail ?? s.detail})`, data: { surface: s.kind } }];
  }
  const refused = tried.filter((r) => r.outcome === 'rejected').length;
  const lock = run.lockout ? `; then the device locked the login (after ${refused} failure(s) here and any earlier in this run) (${run.lockout.detail}), so the remaining ${run.untried} credential(s) could not be guessed either` : '';
  return [{
    testId: TEST, status: 'pass', target: s.target, evidence: [log],
    summary: `${label(s)}: ${refused} default credential(s) refused${lock}`,
    data: { surface: s.kind, tried: tried.length, untried: run.untried, lockedOut: run.lockout !== undefined, tables },
  }];
}
