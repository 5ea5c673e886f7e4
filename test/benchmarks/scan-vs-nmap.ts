/**
 * Macro benchmark: `trustlab scan` against nmap in the same run, inside a network namespace
 * made for it: (a) a device with every port closed but three, (b) the same device behind an
 * nft drop rule, (c) eight closed-port devices at once. Each is also scanned by the C
 * reference (kernel-bound floor) where a compiler exists. Tools alternate within each run
 * (A B C A B C) so a noisy machine affects all alike; medians, ratios, peak RSS and the
 * open ports each tool found (against the ports the bench really listens on) are reported.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { netnsSupport, type Namespace } from '../../harness/netns/namespace.ts';
import { defaultBackend } from '../../harness/scan/backend.ts';
import { findTool } from '../../harness/netns/process-control.ts';
import { startScanBench, type BenchDevice } from './bench-devices.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));
const cli = path.join(root, 'bin/trustlab');
const entry = path.join(root, 'test/benchmarks/scan-entry.ts');
const NMAP_T4 = ['-n', '-Pn', '-sT', '-T4', '-p-', '-oX', '-'];
const NMAP_TUNED = ['-n', '-Pn', '-sT', '-T5', '--min-rate', '20000', '--max-retries', '1', '-p-', '-oX', '-'];

/** One tool's medians in one scenario. */
export interface ToolResult {
  tool: string;
  ms: number;
  runs: number;
  peakRssMb: number;
  /** Open ports missed and reported falsely, summed over devices and runs. */
  missed: number;
  falseOpen: number;
}

/** One scenario's results. */
export interface Scenario {
  name: string;
  results: ToolResult[];
}

interface Tool {
  tool: string;
  cmd: string;
  args: string[];
  parse(stdout: string, addresses: string[]): Map<string, number[]>;
  runs?: number;
  env?: Record<string, string>;
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

function fromTrustlab(stdout: string): Map<string, number[]> {
  const out = new Map<string, number[]>();
  for (const line of stdout.split('\n').filter(Boolean)) {
    const r = JSON.parse(line) as { address: string; port: number; state: string };
    if (r.state === 'open') out.set(r.address, [...(out.get(r.address) ?? []), r.port]);
  }
  return out;
}
function fromNmap(xml: string): Map<string, number[]> {
  const out = new Map<string, number[]>();
  for (const host of xml.split('<host ').slice(1)) {
    const address = /<address addr="([^"]+)"/.exec(host)?.[1];
    if (address) out.set(address, [...host.matchAll(/portid="(\d+)"><state state="open"/g)].map((m) => Number(m[1])));
  }
  return out;
}
function fromLines(stdout: string, addresses: string[]): Map<string, number[]> {
  return new Map([[addresses[0]!, stdout.split('\n').filter(Boolean).map(Number)]]);
}

async function measure(ns: Namespace, t: Tool): Promise<{ ms: number; rssMb: number; stdout: string }> {
  const started = performance.now();
  const r = await ns.run('/usr/bin/time', ['-f', 'TLRSS %M', t.cmd, ...t.args], { timeoutMs: 400_000, cwd: root, env: { ...process.env, ...t.env, TRUSTLAB_NETNS: ns.name } });
  const ms = performance.now() - started;
  if (r.code !== 0) throw new Error(`${t.cmd} ${t.args.join(' ')} exited ${r.code}: ${r.stderr.slice(-2000)}`);
  const rss = Number(/TLRSS (\d+)/.exec(r.stderr)?.[1] ?? 0);
  return { ms, rssMb: Math.round(rss / 1024), stdout: r.stdout };
}

async function runScenario(ns: Namespace, name: string, devices: BenchDevice[], tools: Tool[], runs: number): Promise<Scenario> {
  const acc = tools.map(() => ({ ms: [] as number[], rss: 0, missed: 0, falseOpen: 0 }));
  const addresses = devices.map((d) => d.address);
  for (let i = 0; i < runs; i++) {
    for (const [k, t] of tools.entries()) {
      if (i >= (t.runs ?? runs)) continue;
      const m = await measure(ns, t);
      const found = t.parse(m.stdout, addresses);
      const a = acc[k]!;
      a.ms.push(m.ms);
      a.rss = Math.max(a.rss, m.rssMb);
      for (const d of devices) {
        const got = new Set(found.get(d.address) ?? []);
        a.missed += d.open.filter((p) => !got.has(p)).length;
        a.falseOpen += [...got].filter((p) => !d.open.includes(p)).length;
      }
    }
  }
  return { name, results: tools.map((t, k) => ({ tool: t.tool, ms: Math.round(median(acc[k]!.ms)), runs: acc[k]!.ms.length, peakRssMb: acc[k]!.rss, missed: acc[k]!.missed, falseOpen: acc[k]!.falseOpen })) };
}

function compileReference(): string | undefined {
  const cc = findTool('cc') ?? findTool('gcc');
  if (!cc) return undefined;
  const out = path.join(mkdtempSync(path.join(os.tmpdir(), 'tl-cref-')), 'connect-scan');
  const r = spawnSync(cc, ['-O2', '-o', out, path.join(root, 'test/benchmarks/c-reference/connect-scan.c')], { timeout: 60_000 });
  return r.status === 0 ? out : undefined;
}

function toolsFor(addresses: string[], opts: { cref?: string; crefWindow: number; nmapT4Runs?: number; identify?: boolean }): Tool[] {
  const node = process.execPath;
  const tools: Tool[] = [
    { tool: 'trustlab scan', cmd: node, args: [cli, 'scan', ...addresses, '--no-identify', '--json'], parse: fromTrustlab },
    { tool: 'scan command only', cmd: node, args: ['--import', 'tsx', entry, ...addresses, '--no-identify', '--json'], parse: fromTrustlab },
    // The JS fallback (Node's TCP handle), as used where the native addon is not built.
    { tool: 'scan command only, JS backend', cmd: node, args: ['--import', 'tsx', entry, ...addresses, '--no-identify', '--json'], parse: fromTrustlab, env: { TRUSTLAB_SCAN_BACKEND: 'raw' } },
    // The native backend with its connects on the loop thread (no pool-thread batches).
    { tool: 'trustlab scan, native on loop thread', cmd: node, args: [cli, 'scan', ...addresses, '--no-identify', '--json'], parse: fromTrustlab, env: { TRUSTLAB_NATIVE_BATCH: '0' } },
  ];
  if (opts.identify) tools.push({ tool: 'trustlab scan (identify)', cmd: node, args: [cli, 'scan', ...addresses, '--json'], parse: fromTrustlab });
  tools.push(
    { tool: 'nmap -sT -T4', cmd: 'nmap', args: [...NMAP_T4, ...addresses], parse: fromNmap, runs: opts.nmapT4Runs },
    { tool: 'nmap tuned', cmd: 'nmap', args: [...NMAP_TUNED, ...addresses], parse: fromNmap },
  );
  if (opts.cref && addresses.length === 1) tools.push({ tool: 'C reference', cmd: opts.cref, args: [addresses[0]!, String(opts.crefWindow)], parse: fromLines });
  return tools;
}

/** Run the scenarios; skipped with a reason where the machine cannot (not root, no nmap). */
export async function runScanVsNmap(runs = 3): Promise<{ scenarios: Scenario[]; backend: string } | { skipped: string }> {
  const support = netnsSupport();
  if (!support.ok) return { skipped: `no network namespaces: ${support.reason}` };
  if (!findTool('nmap') || !findTool('busybox') || !findTool('time')) return { skipped: 'nmap, busybox or GNU time missing (Debian packages nmap, busybox-static, time)' };
  const cref = compileReference();
  const bench = await startScanBench();
  try {
    const { ns } = bench;
    const scenarios: Scenario[] = [];
    scenarios.push(await runScenario(ns, '(a) closed-port device, 3 open, 65535 TCP', [bench.closed], toolsFor([bench.closed.address], { cref, crefWindow: 256, identify: true }), runs));
    // nmap -T4 needs about 90 s for a dropping device: one run of it, the others as usual.
    scenarios.push(await runScenario(ns, '(b) nft-drop device, 3 open, 65535 TCP', [bench.dropped], toolsFor([bench.dropped.address], { cref, crefWindow: 8192, nmapT4Runs: 1 }), runs));
    scenarios.push(await runScenario(ns, '(c) eight closed-port devices at once, 8 x 65535 TCP', bench.eight, toolsFor(bench.eight.map((d) => d.address), { crefWindow: 256 }), runs));
    return { scenarios, backend: defaultBackend().id };
  } finally {
    await bench.ns.destroy();
  }
}
