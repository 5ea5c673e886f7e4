/**
 * Run inside the real-daemon bench namespace by passwords-vs-hydra.ts: one list per service
 * (files given as argv "service=path" with "user:pass" lines, hydra's -C format) tried by
 * trustlab's adapters on the weak busybox/dropbear device; prints found logins and times as JSON.
 */
import { readFileSync } from 'node:fs';
import { createScopeGuard } from '../../harness/scope/guard.ts';
import { createBudgetGate } from '../../harness/scheduler/budget.ts';
import type { LoginCredential, LoginResult } from '../../harness/plugins/types.ts';
import { sshTryAll } from '../../adapters/ssh/login.ts';
import { telnetTryAll } from '../../adapters/telnet/login.ts';
import { httpTryAll } from '../../adapters/http/auth.ts';

const guard = createScopeGuard(['127.88.0.0/24']);
// The device budget a lab would set for a sturdy device: 16 sockets, attempts unpaced.
const budget = createBudgetGate({ maxSockets: 16, attemptsPerSecond: 1000 });
const read = (file: string): LoginCredential[] => readFileSync(file, 'utf8').split('\n').filter(Boolean).map((l) => {
  const i = l.indexOf(':');
  return { username: l.slice(0, i), password: l.slice(i + 1) };
});
const lists = Object.fromEntries(process.argv.slice(2).map((a) => a.split('=') as [string, string]));
const out: Record<string, { ms: number; found: string[]; tried: number }> = {};
const time = async (name: string, f: () => Promise<LoginResult[]>): Promise<void> => {
  const t = performance.now();
  const r = await f();
  out[name] = { ms: Math.round(performance.now() - t), found: r.filter((x) => x.outcome === 'accepted').map((x) => `${x.credential.username}:${x.credential.password}`), tried: r.length };
};
const t0 = performance.now();
// The three services run at once, as the suite's device budget allows; hydra runs them one after another.
await Promise.all([
  time('ssh', () => sshTryAll({ guard, address: '127.88.0.10', port: 22, budget, timeoutMs: 8000 }, read(lists.ssh!), 'password', { parallel: 8 })),
  time('telnet', () => telnetTryAll({ guard, address: '127.88.0.11', port: 23, budget, timeoutMs: 8000 }, read(lists.telnet!), { connections: 16, stepTimeoutMs: 10_000 })),
  time('http', () => httpTryAll({ guard, address: '127.88.0.11', port: 80, tls: false, path: '/admin', budget, timeoutMs: 8000 }, read(lists.http!), 4)),
]);
process.stdout.write(JSON.stringify({ totalMs: Math.round(performance.now() - t0), services: out }));
