/**
 * Run inside the bench namespace by default-passwords-shadow-login.test.ts: the telnet adapter
 * against one telnetd. argv: address, connections, then "user:pass" credentials. Prints each
 * result (outcome, credential, delay, the device's words) and how many connections the run
 * opened, counted from the transcripts: the telnetd's issue banner starts every connection.
 */
import { createScopeGuard } from '../../harness/scope/guard.ts';
import { telnetTryAll } from '../../adapters/telnet/login.ts';

const [address, connections, ...pairs] = process.argv.slice(2);
const banner = process.env.TL_TELNET_BANNER ?? '';
const creds = pairs.map((p) => ({ username: p.slice(0, p.indexOf(':')), password: p.slice(p.indexOf(':') + 1) }));
const results = await telnetTryAll({ guard: createScopeGuard(['127.88.0.0/24']), address: address!, port: 23, timeoutMs: 8000 }, creds, { connections: Number(connections), stepTimeoutMs: 10_000 });
process.stdout.write(JSON.stringify({
  connections: banner === '' ? -1 : results.filter((r) => r.transcript?.includes(banner)).length,
  results: results.map((r) => ({ outcome: r.outcome, credential: `${r.credential.username}:${r.credential.password}`, elapsedMs: r.elapsedMs, detail: r.detail })),
}));
