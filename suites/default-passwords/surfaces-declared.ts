/**
 * CTM-DP-01: every authentication surface found against the manufacturer's declaration. A
 * surface on a port the declaration does not list (or lists as disabled) fails, as does one
 * whose mechanism contradicts the declared one: a password login where only keys are
 * declared, or access without credentials where a password is declared.
 */
import type { CheckResult } from '../../harness/plugins/types.ts';
import type { DeclaredService } from '../../harness/model.ts';
import { defineCheck } from '../../harness/plugins/registry.ts';
import { findSurfaces, label, type Surface } from './surfaces.ts';

const TEST = 'CTM-DP-01';

/** The mechanism a surface showed: none (anonymous), password, or key (SSH publickey only). */
export function mechanismOf(s: Surface): 'none' | 'password' | 'key' | 'challenge' {
  if (s.anonymous) return 'none';
  if (s.passwordLogin) return 'password';
  if (s.kind === 'ssh') return 'key';
  return s.kind === 'ws' ? 'challenge' : 'none';
}

/** Judge one surface against the declared services. */
export function judgeSurface(s: Surface, declared: readonly DeclaredService[]): { status: 'pass' | 'fail'; why: string } {
  const d = declared.find((x) => x.port === s.target.port && x.transport === s.target.transport);
  const mech = mechanismOf(s);
  if (!d) return { status: 'fail', why: `undeclared authentication surface (${mech === 'none' ? 'no credentials needed' : `${mech} login`}; ${s.detail})` };
  if (d.disabled) return { status: 'fail', why: `declared disabled by default, but it answers (${s.detail})` };
  if (d.auth === undefined) return { status: 'pass', why: `declared as ${d.service} (no mechanism declared); found ${mech} (${s.detail})` };
  const fits = (d.auth === mech) || (d.auth === 'password' && mech === 'challenge') || (d.auth !== 'none' && mech === 'key' && ['key', 'certificate'].includes(d.auth));
  if (fits) return { status: 'pass', why: `declared ${d.service} with ${d.auth} authentication; found ${mech} (${s.detail})` };
  return { status: 'fail', why: `declared ${d.auth} authentication, but the device offers ${mech === 'none' ? 'access without credentials' : `${mech} login`} (${s.detail})` };
}

export default defineCheck({
  version: '1.0.0',
  title: 'Authentication surfaces match the declaration',
  testIds: [TEST],
  needs: ['ssh-login', 'http', 'web-ui', 'mqtt', 'coap', 'ftp', 'rtsp', 'ws'],
  appliesTo: () => true,
  async run(ctx): Promise<CheckResult[]> {
    if (!ctx.discoveryRan() && ctx.discovered().length === 0) return [{ testId: TEST, status: 'inconclusive', summary: 'no discovery results for this device: run the open-ports suite first' }];
    const surfaces = await findSurfaces(ctx);
    if (surfaces.length === 0) return [{ testId: TEST, status: 'not-applicable', summary: 'no authentication surface among the services discovery found' }];
    return surfaces.map((s) => {
      const j = judgeSurface(s, ctx.device.declared.services);
      return { testId: TEST, status: j.status, target: s.target, summary: `${label(s)}: ${j.why}`, data: { surface: s.kind, mechanism: mechanismOf(s), path: s.path } };
    });
  },
});
