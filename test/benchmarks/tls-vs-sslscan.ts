/**
 * Macro benchmark: a full audit of one TLS endpoint by trustlab (tls-audit-entry.ts) against
 * sslscan in the same run, alternating A B A B, on the virtual bench's weak device (TLS 1.0 to
 * 1.3 enabled, legacy suites) on loopback. Reports medians, the ratio, and whether both found
 * the same versions and the same number of suites per version.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { findTool } from '../../harness/netns/process-control.ts';
import { startVirtualDevice } from '../../harness/virtual-bench/index.ts';

const entry = fileURLToPath(new URL('./tls-audit-entry.ts', import.meta.url));
const ADDRESS = '127.77.21.11';
const PORT = 8443;

export interface TlsRow { trustlabMs: number; auditMs: number; sslscanMs: number; ratio: number; auditRatio: number; versionsAgree: boolean; suitesAgree: boolean; detail: string }

function run(cmd: string, args: string[]): Promise<{ ms: number; stdout: string }> {
  return new Promise((resolve, reject) => {
    const t = performance.now();
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 120_000);
    child.once('exit', (code) => {
      clearTimeout(timer);
      if (code === 0) resolve({ ms: performance.now() - t, stdout });
      else reject(new Error(`${cmd} exited ${code}`));
    });
  });
}

/** sslscan's accepted versions and suite counts per version, from its text output. */
export function parseSslscan(out: string): { versions: string[]; suites: Record<string, number> } {
  // --no-colour is passed, but strip any ANSI colour codes anyway (ESC is char 27).
  const text = out.replace(new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, 'g'), '');
  const versions = [...text.matchAll(/^(SSLv3|TLSv1\.[0-3])\s+enabled/gm)].map((m) => m[1]!.replace('TLSv', 'TLS ').replace('SSLv3', 'SSL 3.0'));
  const suites: Record<string, number> = {};
  for (const m of text.matchAll(/^(?:Preferred|Accepted)\s+(SSLv3|TLSv1\.[0-3])\s/gm)) {
    const v = m[1]!.replace('TLSv', 'TLS ').replace('SSLv3', 'SSL 3.0');
    suites[v] = (suites[v] ?? 0) + 1;
  }
  return { versions, suites };
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** Run the comparison; skipped (with why) when sslscan is not installed. */
export async function runTlsVsSslscan(runs = 3): Promise<TlsRow | { skipped: string }> {
  if (!findTool('sslscan')) return { skipped: 'sslscan missing (Debian package sslscan)' };
  const device = await startVirtualDevice({ id: 'tls-bench', address: ADDRESS, profile: 'weak' });
  try {
    const a: number[] = [];
    const audit: number[] = [];
    const b: number[] = [];
    let ours = { accepted: [] as string[], suites: {} as Record<string, number>, auditMs: 0 };
    let theirs = { versions: [] as string[], suites: {} as Record<string, number> };
    for (let i = 0; i < runs; i++) {
      const t = await run(process.execPath, ['--import', 'tsx', entry, ADDRESS, String(PORT)]);
      const s = await run('sslscan', ['--no-colour', '--no-heartbleed', `${ADDRESS}:${PORT}`]);
      a.push(t.ms);
      b.push(s.ms);
      ours = JSON.parse(t.stdout) as typeof ours;
      audit.push(ours.auditMs);
      theirs = parseSslscan(s.stdout);
    }
    const versionsAgree = JSON.stringify([...ours.accepted].sort()) === JSON.stringify([...theirs.versions].sort());
    const keys = [...new Set([...Object.keys(ours.suites), ...Object.keys(theirs.suites)])].filter((k) => (ours.suites[k] ?? 0) + (theirs.suites[k] ?? 0) > 0).sort();
    const suitesAgree = keys.every((k) => (ours.suites[k] ?? 0) === (theirs.suites[k] ?? 0));
    const detail = keys.map((k) => `${k}: ${ours.suites[k] ?? 0}/${theirs.suites[k] ?? 0}`).join(', ');
    const r2 = (x: number): number => Math.round(x * 100) / 100;
    return { trustlabMs: Math.round(median(a)), auditMs: median(audit), sslscanMs: Math.round(median(b)), ratio: r2(median(a) / median(b)), auditRatio: r2(median(audit) / median(b)), versionsAgree, suitesAgree, detail };
  } finally {
    await device.stop();
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const r = await runTlsVsSslscan(Number(process.env.BENCH_RUNS ?? 3));
  console.log(JSON.stringify(r));
}
