/**
 * nmap -sV through node-nmap, on the open TCP ports a scan found (never a port range of its
 * own): the version-detection stage of service identification, after banner and probe. The
 * scope guard checks the address first; nmap runs with -n -Pn -sT (no DNS, no ping, plain
 * connects) and at most as many probes in parallel as device-budget slots it holds.
 */
import { createRequire } from 'node:module';
import type { EventEmitter } from 'node:events';
import { TrustlabError } from '../../harness/errors.ts';
import { findTool } from '../../harness/netns/process-control.ts';
import { ADAPTER_API_VERSION, type AdapterPlugin } from '../../harness/plugins/types.ts';
import type { DeviceBudgetGate } from '../../harness/scheduler/budget.ts';
import type { ScopeGuard } from '../../harness/scope/guard.ts';

/** The nmap adapter's metadata. */
export const nmapAdapter: AdapterPlugin = {
  apiVersion: ADAPTER_API_VERSION, id: 'nmap', version: '1.0.0', title: 'nmap service and version detection (-sV)', protocols: ['tcp'],
};

/** What nmap -sV says about one port. */
export interface NmapServiceVersion {
  port: number;
  service?: string;
  product?: string;
  version?: string;
  extraInfo?: string;
  /** "ssl" when nmap found the service behind TLS. */
  tunnel?: string;
  /** "probed" (matched a probe) or "table" (port number only). */
  method?: string;
  /** nmap's confidence, 0-10. */
  confidence?: number;
}

/** Where and how to run it. */
export interface NmapTarget {
  guard: ScopeGuard;
  address: string;
  ports: readonly number[];
  budget: Pick<DeviceBudgetGate, 'acquireSocket' | 'limits'>;
  /** nmap --version-intensity 0-9 (default 7, nmap's own). */
  intensity?: number;
  timeoutMs?: number;
  signal?: AbortSignal;
}

interface XmlPort {
  $: { portid: string };
  state?: { $: { state: string } }[];
  service?: { $: Record<string, string | undefined> }[];
}
interface NmapScanLike extends EventEmitter {
  rawJSON?: { nmaprun?: { host?: { ports?: { port?: XmlPort[] }[] }[] } };
  scanTimeout: number;
  startScan(): void;
  cancelScan(): void;
}
interface NodeNmap {
  nmapLocation: string;
  NmapScan: new (range: string, args: string[]) => NmapScanLike;
}

const MAX_PARALLEL = 4;

/** Map nmap's parsed XML (node-nmap's rawJSON) to one record per open port. */
export function servicesFromNmapJson(raw: NmapScanLike['rawJSON']): NmapServiceVersion[] {
  const out: NmapServiceVersion[] = [];
  for (const host of raw?.nmaprun?.host ?? []) {
    for (const p of host.ports?.[0]?.port ?? []) {
      if (p.state?.[0]?.$.state !== 'open') continue;
      const s = p.service?.[0]?.$ ?? {};
      const conf = s.conf === undefined ? undefined : Number(s.conf);
      out.push({
        port: Number(p.$.portid),
        ...(s.name ? { service: s.name } : {}), ...(s.product ? { product: s.product } : {}), ...(s.version ? { version: s.version } : {}),
        ...(s.extrainfo ? { extraInfo: s.extrainfo } : {}), ...(s.tunnel ? { tunnel: s.tunnel } : {}), ...(s.method ? { method: s.method } : {}),
        ...(conf !== undefined && Number.isFinite(conf) ? { confidence: conf } : {}),
      });
    }
  }
  return out.sort((a, b) => a.port - b.port);
}

/** Run nmap -sV on the given open ports of one address. Throws TL_TOOL_MISSING without nmap. */
export async function nmapServiceVersions(t: NmapTarget): Promise<NmapServiceVersion[]> {
  t.guard.assertInScope(t.address, 'nmap -sV');
  if (t.ports.length === 0) return [];
  for (const p of t.ports) if (!Number.isInteger(p) || p < 1 || p > 65535) throw new TrustlabError('TL_USAGE', `port ${p} is not 1-65535`);
  const bin = findTool('nmap');
  if (bin === undefined) throw new TrustlabError('TL_TOOL_MISSING', '"nmap" was not found', { details: ['Debian package: nmap'] });
  const lib = createRequire(import.meta.url)('node-nmap') as NodeNmap;
  lib.nmapLocation = bin;
  const slots = Math.max(1, Math.min(MAX_PARALLEL, t.budget.limits.maxSockets, t.ports.length));
  const releases: (() => void)[] = [];
  try {
    for (let i = 0; i < slots; i++) releases.push(await t.budget.acquireSocket(t.signal));
    const args = ['-n', '-Pn', '-sT', '-sV', '--version-intensity', String(t.intensity ?? 7), '--max-parallelism', String(slots), '-p', [...new Set(t.ports)].join(',')];
    return await new Promise<NmapServiceVersion[]>((resolve, reject) => {
      const scan = new lib.NmapScan(t.address, args);
      scan.scanTimeout = t.timeoutMs ?? 120_000;
      const onAbort = (): void => scan.cancelScan();
      t.signal?.addEventListener('abort', onAbort, { once: true });
      scan.once('complete', () => {
        t.signal?.removeEventListener('abort', onAbort);
        resolve(servicesFromNmapJson(scan.rawJSON));
      });
      scan.once('error', (e: unknown) => {
        t.signal?.removeEventListener('abort', onAbort);
        if (t.signal?.aborted) reject(t.signal.reason instanceof Error ? t.signal.reason : new Error('aborted'));
        else reject(new TrustlabError('TL_TRANSPORT', `nmap -sV on ${t.address} failed: ${String(e).trim()}`));
      });
      scan.startScan();
    });
  } finally {
    for (const release of releases) release();
  }
}
