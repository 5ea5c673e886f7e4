/**
 * Macro benchmark: the default-passwords corpus against SSH (dropbear), telnet (busybox telnetd
 * + /bin/login) and HTTP basic (busybox httpd) of the real-daemon bench's weak device, trustlab's
 * adapters (passwords-entry.ts) side by side with `hydra -C <same list> -t 4` per service, in
 * one run inside one network namespace. Reports wall times, their ratio and the recall of both
 * against the planted logins (admin/admin on all three).
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { netnsSupport } from '../../harness/netns/namespace.ts';
import { findTool } from '../../harness/netns/process-control.ts';
import { selectCredentials } from '../../suites/default-passwords/corpus.ts';
import { runInBench, startRealDaemonBench } from '../bench-tier/daemons.ts';

const entry = fileURLToPath(new URL('./passwords-entry.ts', import.meta.url));
const PLANTED = { ssh: ['admin:admin'], telnet: ['admin:admin'], http: ['admin:admin'] } as const;
type Service = keyof typeof PLANTED;

export interface HydraRow { service: Service; list: number; trustlabMs: number; hydraMs: number; trustlabFound: string[]; hydraFound: string[]; trustlabRecall: number; hydraRecall: number }
export interface HydraResult { rows: HydraRow[]; trustlabTotalMs: number; hydraTotalMs: number; ratio: number }

const recall = (s: Service, found: string[]): number => PLANTED[s].filter((p) => found.includes(p)).length / PLANTED[s].length;

/** Run the comparison once; skipped (with why) without root netns or hydra. */
export async function runPasswordsVsHydra(): Promise<HydraResult | { skipped: string }> {
  const support = netnsSupport();
  if (!support.ok) return { skipped: `no network namespace: ${support.reason}` };
  const hydra = findTool('hydra');
  if (!hydra) return { skipped: 'hydra missing (Debian package hydra)' };
  const bench = await startRealDaemonBench();
  try {
    const files: Record<Service, string> = { ssh: '', telnet: '', http: '' };
    const sizes: Record<Service, number> = { ssh: 0, telnet: 0, http: 0 };
    for (const s of Object.keys(files) as Service[]) {
      const creds = selectCredentials({ protocol: s });
      files[s] = path.join(bench.dir, `${s}.lst`);
      sizes[s] = creds.length;
      writeFileSync(files[s], creds.map((c) => `${c.username}:${c.password}`).join('\n') + '\n');
    }
    const ours = await runInBench(bench, ['--import', 'tsx', entry, ...Object.entries(files).map(([k, v]) => `${k}=${v}`)], { timeoutMs: 600_000 });
    if (ours.code !== 0) throw new Error(`passwords-entry failed: ${ours.stderr}`);
    const t = JSON.parse(ours.stdout) as { totalMs: number; services: Record<Service, { ms: number; found: string[] }> };
    const targets: Record<Service, string[]> = { ssh: ['ssh://127.88.0.10'], telnet: ['telnet://127.88.0.11'], http: ['127.88.0.11', 'http-get', '/admin'] };
    const rows: HydraRow[] = [];
    let hydraTotal = 0;
    for (const s of Object.keys(files) as Service[]) {
      const started = performance.now();
      const res = await bench.ns.run(hydra, ['-I', '-q', '-C', files[s], '-t', '4', ...targets[s]], { timeoutMs: 900_000 });
      const ms = Math.round(performance.now() - started);
      hydraTotal += ms;
      const found = [...res.stdout.matchAll(/login:\s+(\S*)\s+password:\s*(\S*)/g)].map((m) => `${m[1]}:${m[2]}`);
      const mine = t.services[s];
      rows.push({ service: s, list: sizes[s], trustlabMs: mine.ms, hydraMs: ms, trustlabFound: mine.found, hydraFound: found, trustlabRecall: recall(s, mine.found), hydraRecall: recall(s, found) });
    }
    return { rows, trustlabTotalMs: t.totalMs, hydraTotalMs: hydraTotal, ratio: Number((t.totalMs / hydraTotal).toFixed(2)) };
  } finally {
    await bench.stop();
  }
}
