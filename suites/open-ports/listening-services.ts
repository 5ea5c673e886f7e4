/**
 * CTM-PT-01: scan the device's TCP ports and its UDP probe list, identify each open service,
 * and judge it against the manufacturer's declaration. An undeclared open service, or a
 * declared-disabled one that answers, is a fail (ETSI TS 103 701 treats anything undeclared
 * as a fail). A UDP port that stays silent (open|filtered) cannot be told from a filtered one,
 * so it is never failed; a declared one that stays silent is inconclusive.
 */
import type { CheckResult } from '../../harness/plugins/types.ts';
import { defineCheck } from '../../harness/plugins/registry.ts';
import type { DeviceConfig, EvidenceRef } from '../../harness/model.ts';
import { parsePortList } from '../../harness/scan/ports.ts';
import { DEFAULT_UDP_PORTS, parseUdpPortList } from '../../harness/scan/udp-probes.ts';
import { isLoopback, insideNamespace } from '../../harness/scan/loopback.ts';
import { discover, type Discovery } from './discover.ts';

const TEST = 'CTM-PT-01';

/** UDP ports to probe: the configured list plus every declared UDP service ("none" probes nothing). */
export function udpPortsFor(device: Readonly<DeviceConfig>): number[] {
  if (device.ports.udp === 'none') return [];
  const declared = device.declared.services.filter((s) => s.transport === 'udp').map((s) => s.port);
  return [...new Set([...parseUdpPortList(device.ports.udp), ...declared])].sort((a, b) => a - b);
}

export default defineCheck({
  version: '1.1.0',
  title: 'Every open TCP and UDP service is declared',
  testIds: [TEST],
  needs: [],
  appliesTo: () => true,
  async run(ctx): Promise<CheckResult[]> {
    const { device } = ctx;
    const ports = parsePortList(device.ports.tcp);
    const udpPorts = udpPortsFor(device);
    const full = ports.length === 65535;
    // A full sweep of the host's own loopback would meet services that are not on the bench.
    if ((full || udpPorts.length === 65535) && isLoopback(device.address) && !insideNamespace()) {
      return [{
        testId: TEST,
        status: 'inconclusive',
        summary: 'full-range scan of a loopback address refused outside a network namespace; give ports.tcp a list or run as root',
      }];
    }
    const found = await discover(ctx, ports, udpPorts);
    const { tcp: result, udp, services } = found;
    await ctx.recordDiscovery(services, {
      tcp: device.ports.tcp, tcpPortsScanned: ports.length, counts: result.counts,
      udp: device.ports.udp, udpPortsScanned: udpPorts.length, ...(udp ? { udpCounts: udp.counts } : {}),
      versionDetection: found.versionDetection,
    });
    const evidence = await ctx.putEvidence('tcp-scan.json', JSON.stringify({ ...result, services: services.filter((s) => s.transport === 'tcp'), versionDetection: found.versionDetection, nmap: found.nmap }, null, 2), 'application/json');
    const udpEvidence = udp ? await ctx.putEvidence('udp-scan.json', JSON.stringify(udp, null, 2), 'application/json') : undefined;

    if (result.counts.open === 0 && result.counts.closed === 0 && !(udp && udp.counts.open + udp.counts.closed > 0)) {
      return [{ testId: TEST, status: 'inconclusive', summary: `no TCP port answered on ${device.address}: device unreachable or fully filtered`, evidence: [evidence] }];
    }
    const out: CheckResult[] = [];
    for (const s of services) {
      if (s.state !== 'open') continue;
      const ev = s.transport === 'udp' && udpEvidence ? udpEvidence : evidence;
      const d = device.declared.services.find((x) => x.transport === s.transport && x.port === s.port);
      const target = { transport: s.transport, port: s.port, service: s.service };
      const how = s.identifiedBy ? `, identified by ${s.identifiedBy}` : '';
      const what = `${s.service ?? 'unknown'} on ${s.transport}/${s.port}${s.product ? ` (${s.product}${s.version ? ` ${s.version}` : ''})` : ''}${how}`;
      if (!d) out.push({ testId: TEST, status: 'fail', target, summary: `undeclared open service: ${what}`, evidence: [ev] });
      else if (d.disabled) out.push({ testId: TEST, status: 'fail', target, summary: `declared disabled but answers: ${what}`, evidence: [ev] });
      else out.push({ testId: TEST, status: 'pass', target, summary: `declared ${d.service} found: ${what}`, evidence: [ev] });
    }
    for (const d of device.declared.services) {
      if (d.disabled || services.some((s) => s.transport === d.transport && s.port === d.port && s.state === 'open')) continue;
      if (d.transport === 'tcp' && !ports.includes(d.port)) continue;
      if (d.transport === 'udp' && !udpPorts.includes(d.port)) continue;
      const state = d.transport === 'tcp'
        ? (result.notClosed.find((p) => p.port === d.port)?.state ?? 'closed')
        : (udp?.notClosed.find((p) => p.port === d.port)?.state ?? 'closed');
      out.push({
        testId: TEST,
        status: 'inconclusive',
        target: { transport: d.transport, port: d.port, service: d.service },
        summary: `declared ${d.service} on ${d.transport}/${d.port} is ${state}: confirm the device is in its declared state`,
        evidence: [d.transport === 'udp' && udpEvidence ? udpEvidence : evidence],
      });
    }
    const vd = found.versionDetection;
    out.push({
      testId: TEST,
      status: full ? 'pass' : 'inconclusive',
      summary: (full
        ? `all 65535 TCP ports scanned: ${result.counts.open} open, ${result.counts.closed} closed, ${result.counts.filtered} filtered`
        : `only ${ports.length} of 65535 TCP ports scanned (ports.tcp = "${device.ports.tcp}"): coverage is partial`) + (vd.note ? `; ${vd.note}` : ''),
      data: { coverage: full ? 'full' : 'partial', counts: result.counts, method: result.method, versionDetection: vd },
      evidence: [evidence],
    });
    out.push(udpCoverage(udpPorts, udp, udpEvidence));
    return out;
  },
});

function udpCoverage(udpPorts: number[], udp: Discovery['udp'], evidence: EvidenceRef | undefined): CheckResult {
  if (!udp) return { testId: TEST, status: 'inconclusive', summary: 'UDP was not scanned (ports.udp = "none"): UDP coverage is missing' };
  const covered = DEFAULT_UDP_PORTS.every((p) => udpPorts.includes(p));
  const c = udp.counts;
  const silent = udp.notClosed.filter((r) => r.state === 'open|filtered').map((r) => `${r.port}${r.service && r.service !== 'unknown' ? ` (${r.service})` : ''}`);
  return {
    testId: TEST,
    status: covered ? 'pass' : 'inconclusive',
    summary: `${covered ? 'UDP probe list' : `only ${udpPorts.length} UDP port(s), not the whole probe list,`} scanned: ${c.open} open, ${c.closed} closed, ${c['open|filtered']} open|filtered${silent.length ? ` (no answer to the probe: ${silent.join(', ')})` : ''}`,
    data: { coverage: covered ? 'probe-list' : 'partial', transport: 'udp', counts: c, method: udp.method },
    ...(evidence ? { evidence: [evidence] } : {}),
  };
}
