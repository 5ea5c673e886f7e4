/**
 * Macro benchmark: `trustlab scan` against nmap in the same run, inside a network namespace
 * this benchmark creates (so the full range meets only its own devices): a device with all
 * ports closed but one, and a device behind an nft drop rule. Runs alternate A B A B so a
 * noisy machine affects both alike; medians and ratios are reported.
 */
import { fileURLToPath } from 'node:url';
import { createNamespace, netnsSupport, type Namespace } from '../../harness/netns/namespace.ts';
import { findTool } from '../../harness/netns/process-control.ts';

const cli = fileURLToPath(new URL('../../bin/trustlab', import.meta.url));
const CLOSED = '127.90.0.1';
const DROPPED = '127.90.0.2';
const OPEN_PORT = 8080;

export interface MacroRow {
  scenario: string;
  trustlabMs: number;
  peerMs: number;
  peer: string;
  ratio: number;
  agree: boolean;
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function timed(ns: Namespace, cmd: string, args: string[]): Promise<{ ms: number; stdout: string }> {
  const t = performance.now();
  const r = await ns.run(cmd, args, { timeoutMs: 240_000, env: { ...process.env, TRUSTLAB_NETNS: ns.name } });
  if (r.code !== 0) throw new Error(`${cmd} ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
  return { ms: performance.now() - t, stdout: r.stdout };
}

function openFromTrustlab(stdout: string): number[] {
  return stdout.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as { port: number; state: string }).filter((r) => r.state === 'open').map((r) => r.port);
}
function openFromNmap(xml: string): number[] {
  return [...xml.matchAll(/portid="(\d+)"><state state="open"/g)].map((m) => Number(m[1]));
}

/** Run the scenarios; returns undefined with a reason when the machine cannot (not root, no nmap). */
export async function runScanVsNmap(runs = 3): Promise<{ rows: MacroRow[] } | { skipped: string }> {
  const support = netnsSupport();
  if (!support.ok) return { skipped: `no network namespaces: ${support.reason}` };
  if (!findTool('nmap') || !findTool('busybox')) return { skipped: 'nmap or busybox missing (Debian packages nmap, busybox-static)' };
  const ns = await createNamespace('bench');
  try {
    for (const a of [CLOSED, DROPPED]) ns.spawn('busybox', ['httpd', '-f', '-p', `${a}:${OPEN_PORT}`, '-h', '/tmp'], { stdio: 'ignore' });
    await ns.dropTcpExcept(DROPPED, [OPEN_PORT]);
    await new Promise((r) => setTimeout(r, 300));
    const scenarios = [
      { scenario: 'closed-port device, 65535 TCP', address: CLOSED, peer: 'nmap -sT -T4 -p-', peerArgs: ['-n', '-Pn', '-sT', '-T4', '-p-', '-oX', '-'] },
      { scenario: 'nft-drop device, 65535 TCP', address: DROPPED, peer: 'nmap -sT -T5 --min-rate 20000 --max-retries 1 -p-', peerArgs: ['-n', '-Pn', '-sT', '-T5', '--min-rate', '20000', '--max-retries', '1', '-p-', '-oX', '-'] },
    ];
    const rows: MacroRow[] = [];
    for (const s of scenarios) {
      const a: number[] = [];
      const b: number[] = [];
      let agree = true;
      for (let i = 0; i < runs; i++) {
        const t = await timed(ns, process.execPath, [cli, 'scan', s.address, '--json', '--max-sockets', '4096']);
        const n = await timed(ns, 'nmap', [...s.peerArgs, s.address]);
        a.push(t.ms);
        b.push(n.ms);
        agree &&= JSON.stringify(openFromTrustlab(t.stdout)) === JSON.stringify(openFromNmap(n.stdout)) && openFromTrustlab(t.stdout).includes(OPEN_PORT);
      }
      rows.push({ scenario: s.scenario, trustlabMs: Math.round(median(a)), peerMs: Math.round(median(b)), peer: s.peer, ratio: Math.round((median(a) / median(b)) * 100) / 100, agree });
    }
    return { rows };
  } finally {
    await ns.destroy();
  }
}
