/**
 * CTM-DP-03: pre-installed passwords unique per unit and not derived from public identifiers.
 * Offline, the label passwords the lab recorded (device `label.password`, `samples[].password`)
 * are compared: shared, sequential, or derived from the unit's MAC, serial or SSID fails. On
 * the wire, passwords derived from this unit's recorded identifiers are tried on each password
 * surface. Passwords are secrets: findings name units and rules, never the password.
 */
import type { CheckResult, LoginCredential } from '../../harness/plugins/types.ts';
import { defineCheck } from '../../harness/plugins/registry.ts';
import { attempt, BrowserHolder } from './attempts.ts';
import { findSurfaces, label } from './surfaces.ts';

const TEST = 'CTM-DP-03';

/** One unit of the model as the lab recorded it. */
export interface Unit {
  id: string;
  password?: string;
  serial?: string;
  mac?: string;
  ssid?: string;
}

/** Passwords a lazy factory derives from an identifier. */
export function derivations(u: Omit<Unit, 'id' | 'password'>): string[] {
  const out = new Set<string>();
  if (u.serial) {
    const s = u.serial.trim();
    const alnum = s.replace(/[^A-Za-z0-9]/g, '');
    for (const v of [s, s.toLowerCase(), alnum, alnum.slice(-8), alnum.slice(-6), alnum.slice(-4)]) if (v.length >= 4) out.add(v);
  }
  if (u.mac) {
    const hex = u.mac.replace(/[^0-9A-Fa-f]/g, '');
    for (const v of [hex, hex.slice(-8), hex.slice(-6), hex.slice(-4)]) { out.add(v.toLowerCase()); out.add(v.toUpperCase()); }
  }
  if (u.ssid) {
    out.add(u.ssid);
    const digits = u.ssid.replace(/\D/g, '');
    if (digits.length >= 4) out.add(digits);
  }
  return [...out];
}

/** Which identifier a password is taken from (it equals, or is a 4+ character piece of, the identifier). */
export function derivedFrom(u: Omit<Unit, 'id' | 'password'>, password: string): 'MAC' | 'serial' | 'SSID' | undefined {
  const p = password.toLowerCase();
  if (p.length < 4) return undefined;
  const norm = (s: string): string => s.toLowerCase().replace(/[^a-z0-9]/g, '');
  if (u.mac && norm(u.mac).includes(norm(p)) && norm(p).length >= 4) return 'MAC';
  if (u.serial && (u.serial.toLowerCase().includes(p) || (norm(p).length >= 4 && norm(u.serial).includes(norm(p))))) return 'serial';
  if (u.ssid && (u.ssid.toLowerCase().includes(p) || (norm(p).length >= 4 && norm(u.ssid).includes(norm(p))))) return 'SSID';
  return undefined;
}

/** Problems among recorded passwords: shared, sequential, derived. Never includes a password. */
export function comparePasswords(units: readonly Unit[]): string[] {
  const withPw = units.filter((u): u is Unit & { password: string } => typeof u.password === 'string' && u.password !== '');
  const problems: string[] = [];
  for (let i = 0; i < withPw.length; i++) {
    for (let j = i + 1; j < withPw.length; j++) {
      const a = withPw[i]!;
      const b = withPw[j]!;
      if (a.password === b.password) { problems.push(`units ${a.id} and ${b.id} share one password`); continue; }
      const ma = /^(.*?)(\d+)$/.exec(a.password);
      const mb = /^(.*?)(\d+)$/.exec(b.password);
      if (ma && mb && ma[1] === mb[1] && ma[1]!.length >= 0 && Math.abs(Number(ma[2]) - Number(mb[2])) <= 1000 && a.password.length >= 4) problems.push(`units ${a.id} and ${b.id} have sequential passwords (same stem, numbers ${Math.abs(Number(ma[2]) - Number(mb[2]))} apart)`);
    }
  }
  for (const u of withPw) {
    const from = derivedFrom(u, u.password);
    if (from) problems.push(`unit ${u.id}'s password is derived from its ${from}`);
  }
  return problems;
}

export default defineCheck({
  version: '1.0.0',
  title: 'Pre-installed passwords unique per unit and not derived from public identifiers',
  testIds: [TEST],
  needs: ['ssh-login', 'telnet', 'http', 'web-ui', 'mqtt', 'ftp', 'rtsp'],
  appliesTo: () => true,
  async run(ctx): Promise<CheckResult[]> {
    const d = ctx.device;
    const self: Unit = { id: d.id, ...(d.label?.password ? { password: d.label.password } : {}), ...(d.product.serial ? { serial: d.product.serial } : {}), ...(d.label?.mac ? { mac: d.label.mac } : {}), ...(d.label?.ssid ? { ssid: d.label.ssid } : {}) };
    const units: Unit[] = [self, ...(d.samples ?? []).map((s) => ({ ...s }))];
    const out: CheckResult[] = [];
    const recorded = units.filter((u) => u.password);
    if (recorded.length >= 2 || (recorded.length === 1 && derivations(recorded[0]!).length > 0)) {
      const problems = comparePasswords(units);
      out.push({
        testId: TEST, status: problems.length > 0 ? 'fail' : 'pass',
        summary: problems.length > 0 ? `label passwords of ${recorded.length} unit(s): ${problems.join('; ')}` : `label passwords of ${recorded.length} unit(s) of ${d.product.model} are distinct, not sequential and not derived from MAC, serial or SSID`,
        data: { units: recorded.map((u) => u.id), problems },
      });
    }
    const candidates = derivations(self);
    const surfaces = ctx.discoveryRan() || ctx.discovered().length > 0 ? (await findSurfaces(ctx)).filter((s) => s.passwordLogin && !s.anonymous) : [];
    if (candidates.length > 0 && surfaces.length > 0) {
      const browsers = new BrowserHolder();
      try {
        for (const s of surfaces) {
          const users = s.kind === 'telnet' || s.kind === 'ssh' ? ['admin', 'root'] : ['admin'];
          const creds: LoginCredential[] = users.flatMap((username) => candidates.slice(0, 4).map((password) => ({ username, password })));
          const run = await attempt(ctx, s, creds, browsers);
          const hit = run.results.find((r) => r.outcome === 'accepted');
          const tried = run.results.filter((r) => r.outcome !== 'not-offered').length;
          if (tried === 0) continue;
          const ev = await ctx.putEvidence(`dp03-${label(s).replace(/[^a-z0-9]+/gi, '-')}.json`, JSON.stringify(run.results.map(({ screenshot: _s, ...r }) => r), null, 1), 'application/json');
          out.push(hit
            ? { testId: TEST, status: 'fail', target: s.target, evidence: [ev], summary: `${label(s)}: a password derived from the unit's public identifiers is accepted: username "${hit.credential.username}" password "${hit.credential.password}"`, data: { surface: s.kind } }
            : { testId: TEST, status: 'pass', target: s.target, evidence: [ev], summary: `${label(s)}: ${tried} password(s) derived from the unit's ${[self.serial && 'serial', self.mac && 'MAC', self.ssid && 'SSID'].filter(Boolean).join('/')} refused${run.lockout ? ` (then locked out: ${run.lockout.detail})` : ''}`, data: { surface: s.kind, tried } });
        }
      } finally {
        await browsers.close();
      }
    }
    if (out.length === 0) {
      const why = recorded.length < 2 ? `fewer than two units of ${d.product.model} have a recorded label password (label.password, samples[].password)` : 'no identifiers recorded';
      out.push({ testId: TEST, status: 'not-applicable', summary: `${why}, and no password surface to try identifier-derived passwords on${candidates.length === 0 ? ' (no serial, MAC or SSID recorded)' : ''}` });
    }
    return out;
  },
});
