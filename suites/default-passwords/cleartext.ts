/**
 * CTM-DP-07: credentials crossing the network in clear. A login that takes a password over a
 * channel without TLS (telnet, FTP, HTTP basic auth or a login form over plain HTTP, MQTT on
 * 1883 that requires credentials, RTSP basic auth) fails; the evidence is a failed attempt's
 * transcript, the bytes as they crossed the wire. Digest schemes send a hash, not the
 * password, and pass with a note; SSH and TLS-wrapped logins pass.
 */
import { randomBytes } from 'node:crypto';
import type { CheckResult } from '../../harness/plugins/types.ts';
import { defineCheck } from '../../harness/plugins/registry.ts';
import { attempt, BrowserHolder } from './attempts.ts';
import { findSurfaces, label, type Surface } from './surfaces.ts';

const TEST = 'CTM-DP-07';

/** How a surface carries a password: in clear, as a digest, or inside an encrypted channel. */
export function carriage(s: Surface): 'clear' | 'digest' | 'encrypted' {
  if (s.kind === 'ssh' || s.tls) return 'encrypted';
  if (s.kind === 'http-digest' || (s.kind === 'rtsp' && s.challenge?.scheme === 'digest')) return 'digest';
  if (s.kind === 'web-form' && s.form && new URL(s.form.url).protocol === 'https:') return 'encrypted';
  return 'clear';
}

export default defineCheck({
  version: '1.0.0',
  title: 'No credentials in clear on the network',
  testIds: [TEST],
  needs: ['telnet', 'http', 'web-ui', 'mqtt', 'ftp', 'rtsp'],
  appliesTo: () => true,
  async run(ctx): Promise<CheckResult[]> {
    if (!ctx.discoveryRan() && ctx.discovered().length === 0) return [{ testId: TEST, status: 'inconclusive', summary: 'no discovery results for this device: run the open-ports suite first' }];
    const surfaces = (await findSurfaces(ctx)).filter((s) => s.passwordLogin);
    if (surfaces.length === 0) return [{ testId: TEST, status: 'not-applicable', summary: 'no surface takes a password, so no credential crosses the network' }];
    const out: CheckResult[] = [];
    const browsers = new BrowserHolder();
    try {
      for (const s of surfaces) {
        const how = carriage(s);
        if (how === 'encrypted') { out.push({ testId: TEST, status: 'pass', target: s.target, summary: `${label(s)}: the password travels inside ${s.kind === 'ssh' ? 'SSH' : 'TLS'}`, data: { surface: s.kind, carriage: how } }); continue; }
        if (how === 'digest') { out.push({ testId: TEST, status: 'pass', target: s.target, summary: `${label(s)}: a ${s.challenge?.params.algorithm ?? 'MD5'} digest crosses the network, not the password (digest over plaintext is still weak: prefer TLS)`, data: { surface: s.kind, carriage: how } }); continue; }
        // One marked wrong password, to show its bytes in the transcript of the plaintext exchange.
        const marker = `tl-clear-${randomBytes(4).toString('hex')}`;
        const run = await attempt(ctx, s, [{ username: 'admin', password: marker }], browsers, 1);
        const shown = run.results.find((r) => r.transcript.includes(marker));
        const evidence = shown ? [await ctx.putEvidence(`dp07-${label(s).replace(/[^a-z0-9]+/gi, '-')}.txt`, shown.transcript, 'text/plain')] : [];
        out.push({
          testId: TEST, status: 'fail', target: s.target, evidence,
          summary: `${label(s)}: the password crosses the network in clear (${s.kind === 'web-form' ? 'form posted over plain HTTP' : s.kind === 'http-basic' || s.kind === 'rtsp' ? 'basic auth is base64, not encryption' : `${s.kind} has no encryption`})`,
          data: { surface: s.kind, carriage: how, marker },
        });
      }
    } finally {
      await browsers.close();
    }
    return out;
  },
});
