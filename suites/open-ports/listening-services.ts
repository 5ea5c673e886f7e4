/**
 * CTM-PT-01: scan the device's TCP ports, identify each open service, and judge it against
 * the manufacturer's declaration. An undeclared open service, or a declared-disabled one that
 * answers, is a fail (ETSI TS 103 701 treats anything undeclared as a fail).
 */
import type { CheckResult } from '../../harness/plugins/types.ts';
import { defineCheck } from '../../harness/plugins/registry.ts';
import type { DiscoveredService } from '../../harness/model.ts';
import { parsePortList } from '../../harness/scan/ports.ts';
import { identifyTcp } from '../../harness/scan/identify.ts';
import { activeScanner } from '../../harness/scan/active.ts';
import { isLoopback, insideNamespace } from '../../harness/scan/loopback.ts';

const TEST = 'CTM-PT-01';

export default defineCheck({
  version: '1.0.0',
  title: 'Every open TCP service is declared',
  testIds: [TEST],
  needs: [],
  appliesTo: () => true,
  async run(ctx): Promise<CheckResult[]> {
    const { device } = ctx;
    const ports = parsePortList(device.ports.tcp);
    const full = ports.length === 65535;
    // A full sweep of the host's own loopback would meet services that are not on the bench.
    if (full && isLoopback(device.address) && !insideNamespace()) {
      return [{
        testId: TEST,
        status: 'inconclusive',
        summary: 'full-range scan of a loopback address refused outside a network namespace; give ports.tcp a list or run as root',
      }];
    }
    const result = await activeScanner().scan({
      address: device.address,
      ports,
      guard: ctx.guard,
      budget: ctx.budget,
      signal: ctx.signal,
      seed: 1,
      onProgress: (done, total) => ctx.progress(done, total, 'tcp scan'),
    });
    const services: DiscoveredService[] = [];
    for (const p of result.notClosed) {
      if (p.state !== 'open') continue;
      const release = await ctx.budget.acquireSocket(ctx.signal);
      try {
        services.push(await identifyTcp(ctx.guard, device.address, p.port));
      } finally {
        release();
      }
    }
    await ctx.recordDiscovery(services, { tcp: device.ports.tcp, tcpPortsScanned: ports.length, counts: result.counts });
    const evidence = await ctx.putEvidence('tcp-scan.json', JSON.stringify({ ...result, services }, null, 2), 'application/json');

    if (result.counts.open === 0 && result.counts.closed === 0) {
      return [{ testId: TEST, status: 'inconclusive', summary: `no TCP port answered on ${device.address}: device unreachable or fully filtered`, evidence: [evidence] }];
    }
    const out: CheckResult[] = [];
    const declared = device.declared.services.filter((s) => s.transport === 'tcp');
    for (const s of services) {
      const d = declared.find((x) => x.port === s.port);
      const target = { transport: 'tcp' as const, port: s.port, service: s.service };
      const found = `${s.service ?? 'unknown'} on tcp/${s.port}${s.product ? ` (${s.product}${s.version ? ` ${s.version}` : ''})` : ''}`;
      if (!d) out.push({ testId: TEST, status: 'fail', target, summary: `undeclared open service: ${found}`, evidence: [evidence] });
      else if (d.disabled) out.push({ testId: TEST, status: 'fail', target, summary: `declared disabled but answers: ${found}`, evidence: [evidence] });
      else out.push({ testId: TEST, status: 'pass', target, summary: `declared ${d.service} found: ${found}`, evidence: [evidence] });
    }
    for (const d of declared) {
      if (d.disabled || services.some((s) => s.port === d.port) || !ports.includes(d.port)) continue;
      const state = result.notClosed.find((p) => p.port === d.port)?.state ?? 'closed';
      out.push({
        testId: TEST,
        status: 'inconclusive',
        target: { transport: 'tcp', port: d.port, service: d.service },
        summary: `declared ${d.service} on tcp/${d.port} is ${state}: confirm the device is in its declared state`,
        evidence: [evidence],
      });
    }
    out.push({
      testId: TEST,
      status: full ? 'pass' : 'inconclusive',
      summary: full
        ? `all 65535 TCP ports scanned: ${result.counts.open} open, ${result.counts.closed} closed, ${result.counts.filtered} filtered`
        : `only ${ports.length} of 65535 TCP ports scanned (ports.tcp = "${device.ports.tcp}"): coverage is partial`,
      data: { coverage: full ? 'full' : 'partial', counts: result.counts, method: result.method },
      evidence: [evidence],
    });
    if (device.ports.udp !== 'none') {
      out.push({ testId: TEST, status: 'inconclusive', summary: 'UDP ports were requested but this scanner probes TCP only: UDP coverage is missing' });
    }
    return out;
  },
});
