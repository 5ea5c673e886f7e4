/**
 * The telnet adapter against a login that is not BusyBox's: busybox telnetd (which gives each
 * connection a pty) running Debian's /bin/login, i.e. shadow's login, which authenticates
 * through PAM (/etc/pam.d/login: pam_unix against the bench's overlaid /etc/shadow,
 * pam_faildelay's 3 s delay, up to LOGIN_RETRIES=5 tries per connection). util-linux's login
 * is not packaged in Debian 12; shadow's prints the same "Password: " / "Login incorrect"
 * dialogue, so this is the non-BusyBox login the lab machine can run. The adapter must find the
 * planted account, call every wrong one rejected only after the device said so (the failure
 * delay shows in its timing) and use one connection for several tries.
 */
import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TrustlabError } from '../../harness/errors.ts';
import { netnsSupport } from '../../harness/netns/namespace.ts';
import { requireTool } from '../../harness/netns/process-control.ts';
import { BENCH_LOGIN } from './daemon-files.ts';
import { runInBench, startRealDaemonBench, type RealBench } from './daemons.ts';
import { waitReady } from './readiness.ts';

const support = netnsSupport();
const entry = fileURLToPath(new URL('./default-passwords-telnet-entry.ts', import.meta.url));
// A device address of its own, next to the shared bench's 127.88.0.10-16.
const SHADOW = '127.88.0.17';
const BANNER = 'trustlab shadow-login telnet device';
type Out = { connections: number; results: { outcome: string; credential: string; elapsedMs: number; detail: string }[] };

/** busybox telnetd on SHADOW:23 with Debian's PAM login instead of busybox's own. */
function startShadowTelnetd(bench: RealBench): void {
  const login = requireTool('login', 'login');
  if (!existsSync('/etc/pam.d/login')) {
    throw new TrustlabError('TL_TOOL_MISSING', 'PAM has no /etc/pam.d/login for /bin/login', { details: ['Debian package: login'] });
  }
  const issue = path.join(bench.dir, 'shadow-issue');
  writeFileSync(issue, `${BANNER}\n`);
  bench.ns.spawn(requireTool('busybox', 'busybox-static'), ['telnetd', '-F', '-b', `${SHADOW}:23`, '-l', login, '-f', issue], { stdio: 'ignore' });
}

describe.skipIf(!support.ok)('telnet adapter on shadow login (PAM) behind busybox telnetd', () => {
  let bench: RealBench;
  let out: Out;
  const planted = `${BENCH_LOGIN.username}:${BENCH_LOGIN.password}`;
  // A wrong password for the planted account, an unknown user and a locked account, then the planted login.
  const tries = [`${BENCH_LOGIN.username}:not-${BENCH_LOGIN.password}`, 'nosuchuser:1234', 'root:root', planted];

  beforeAll(async () => {
    bench = await startRealDaemonBench();
    startShadowTelnetd(bench);
    expect(await waitReady(bench.ns, { tcp: [{ host: SHADOW, port: 23 }], coap: [] }, 5000)).toEqual({ tcp: [], coap: [] });
    const res = await runInBench(bench, ['--import', 'tsx', entry, SHADOW, '1', ...tries], { timeoutMs: 60_000, env: { ...process.env, TL_TELNET_BANNER: BANNER } });
    expect(res.code, res.stderr).toBe(0);
    out = JSON.parse(res.stdout) as Out;
  }, 90_000);

  afterAll(async () => {
    await bench?.stop();
  });

  it('finds the planted account and rejects every wrong login on the device\'s word', () => {
    expect(out.results.map((r) => `${r.credential} ${r.outcome}`).sort()).toEqual(tries.map((t) => `${t} ${t === planted ? 'accepted' : 'rejected'}`).sort());
    for (const r of out.results.filter((x) => x.outcome === 'rejected')) expect(r.detail).toMatch(/Login incorrect/);
  });

  it('waits out PAM\'s failure delay on each wrong login, not on the right one', () => {
    const rejected = out.results.filter((r) => r.outcome === 'rejected').map((r) => r.elapsedMs);
    // pam_faildelay asks 3 s; libpam randomises it to between 0.5 and 1.5 times that (pam_delay.c).
    for (const ms of rejected) expect(ms).toBeGreaterThanOrEqual(1400);
    expect(out.results.find((r) => r.outcome === 'accepted')!.elapsedMs).toBeLessThan(Math.min(...rejected));
  });

  it('makes all four tries on one connection (shadow login allows five)', () => {
    expect(out.connections).toBe(1);
  });
});
