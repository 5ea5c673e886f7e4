/**
 * Discovery for CTM-PT-01: the TCP scan with each open port identified as soon as the engine
 * finds it (banner and probe, one budget slot each), the UDP probe scan beside it on the same
 * device budget, and, when the lab asks for it, nmap -sV on the open TCP ports merged in with
 * its provenance. A missing or failing nmap is a note; banner identification stands.
 */
import { nmapServiceVersions, type NmapServiceVersion } from '../../adapters/nmap/service-version.ts';
import { TrustlabError } from '../../harness/errors.ts';
import type { DiscoveredService } from '../../harness/model.ts';
import type { CheckContext } from '../../harness/plugins/types.ts';
import { activeScanner } from '../../harness/scan/active.ts';
import { identifyTcp } from '../../harness/scan/identify.ts';
import type { TcpScanResult } from '../../harness/scan/types.ts';
import { scanUdp } from '../../harness/scan/udp-scanner.ts';
import type { UdpScanResult } from '../../harness/scan/udp-types.ts';

/** nmap -sV gets this long per device: it waits out every probe on a silent service (minutes). */
export const NMAP_TIMEOUT_MS = 120_000;

/** What discovery found, and how. */
export interface Discovery {
  tcp: TcpScanResult;
  udp?: UdpScanResult;
  services: DiscoveredService[];
  /** How version detection went: ran, skipped, or why it could not run. */
  versionDetection: { tool: 'nmap' | 'none'; status: 'ran' | 'not-requested' | 'no-open-ports' | 'missing' | 'failed'; note?: string; matched?: number };
  nmap?: NmapServiceVersion[];
}

/** Overlay nmap's probed matches on the banner-and-probe identification (nmap wins where it matched a probe). */
export function mergeNmap(services: DiscoveredService[], found: readonly NmapServiceVersion[]): number {
  let matched = 0;
  for (const v of found) {
    const s = services.find((x) => x.transport === 'tcp' && x.port === v.port);
    if (!s || v.method !== 'probed' || !v.service) continue;
    s.service = v.tunnel === 'ssl' && v.service === 'http' ? 'https' : v.service;
    if (v.product) s.product = v.product;
    if (v.version) s.version = v.version;
    s.identifiedBy = 'nmap';
    matched++;
  }
  return matched;
}

/** Scan and identify one device's TCP (and UDP) ports. */
export async function discover(ctx: CheckContext, tcpPorts: number[], udpPorts: number[]): Promise<Discovery> {
  const { device, guard, budget, signal } = ctx;
  const tcpServices: Promise<DiscoveredService>[] = [];
  const identify = async (port: number): Promise<DiscoveredService> => {
    const release = await budget.acquireSocket(signal);
    try {
      return await identifyTcp(guard, device.address, port);
    } finally {
      release();
    }
  };
  const [tcp, udp] = await Promise.all([
    activeScanner().scan({
      address: device.address, ports: tcpPorts, guard, budget, signal, seed: 1,
      onProgress: (done, total) => ctx.progress(done, total, 'tcp scan'),
      onResult: (r) => {
        if (r.state === 'open') tcpServices.push(identify(r.port));
      },
    }),
    udpPorts.length > 0 ? scanUdp({ address: device.address, ports: udpPorts, guard, budget, signal, seed: 1 }) : undefined,
  ]);
  const services = (await Promise.all(tcpServices)).sort((a, b) => a.port - b.port);
  for (const r of udp?.notClosed ?? []) {
    services.push({
      transport: 'udp', port: r.port, state: r.state, service: r.service ?? 'unknown',
      ...(r.reply ? { banner: r.reply } : {}), ...(r.identifiedBy ? { identifiedBy: r.identifiedBy } : {}),
    });
  }
  const out: Discovery = { tcp, ...(udp ? { udp } : {}), services, versionDetection: { tool: 'none', status: 'not-requested' } };
  if (device.ports.versionDetection !== 'nmap') return out;
  const open = services.filter((s) => s.transport === 'tcp' && s.state === 'open').map((s) => s.port);
  if (open.length === 0) {
    out.versionDetection = { tool: 'nmap', status: 'no-open-ports' };
    return out;
  }
  try {
    const found = await nmapServiceVersions({ guard, address: device.address, ports: open, budget, signal, timeoutMs: NMAP_TIMEOUT_MS });
    out.nmap = found;
    out.versionDetection = { tool: 'nmap', status: 'ran', matched: mergeNmap(services, found) };
  } catch (e) {
    if (signal.aborted) throw e;
    const missing = e instanceof TrustlabError && e.code === 'TL_TOOL_MISSING';
    out.versionDetection = { tool: 'nmap', status: missing ? 'missing' : 'failed', note: missing ? 'nmap is not installed: services identified by banner and probe only' : `nmap -sV gave no result (${(e as Error).message}): banner and probe identification kept` };
  }
  return out;
}
