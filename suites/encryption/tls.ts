/**
 * CTM-EN-01: every TLS service the scan found (HTTPS, MQTT over TLS, and any unidentified port
 * that answers a ClientHello). Three findings per endpoint: the versions it accepts, the
 * suites and groups it negotiates, and its certificate chain, each judged by a policy table.
 * Evidence: the version probes' handshake bytes, the full probe report and the chain as PEM.
 */
import type { CheckResult } from '../../harness/plugins/types.ts';
import { defineCheck } from '../../harness/plugins/registry.ts';
import { TrustlabError } from '../../harness/errors.ts';
import { scanTlsEndpoint, type TlsEndpointReport } from '../../adapters/tls/endpoint.ts';
import { declaredCa, tlsEndpoints, type Endpoint } from './endpoints.ts';
import { noDiscovery, notApplicable, toResult } from './findings.ts';
import { certificates, tlsCipherSuites, tlsGroups, tlsVersions } from './policy.ts';
import { judgeCertificate, judgeSuitesAndGroups, judgeVersions } from './tls-judge.ts';

const TEST = 'CTM-EN-01';

function evidenceJson(r: TlsEndpointReport): string {
  const { chain, transcripts, ...rest } = r;
  return JSON.stringify({
    ...rest,
    chain: chain.map(({ pem: _pem, ...facts }) => facts),
    handshakeRecords: transcripts.map((t) => ({ label: t.label, clientHelloHex: t.sentHex, serverRecordsHex: t.receivedHex })),
  }, null, 2);
}

function endpointResults(ep: Endpoint, r: TlsEndpointReport, ca: ReturnType<typeof declaredCa>, evidence: CheckResult['evidence']): CheckResult[] {
  const where = `tcp/${ep.port}`;
  const accepted = r.versions.filter((v) => v.accepted).map((v) => v.version);
  const versions = toResult({
    testId: TEST, target: ep.target, subject: `TLS versions accepted on ${where} (${accepted.join(', ') || 'none'})`,
    judgements: judgeVersions(r), tables: [tlsVersions.ref], ...(evidence ? { evidence } : {}),
    data: { aspect: 'versions', versions: r.versions },
  });
  if (accepted.length === 0) {
    versions.status = 'inconclusive';
    versions.summary = `no TLS version could be negotiated on ${where}: ${r.versions.map((v) => `${v.version} ${v.raw}`).join('; ')}`;
  }
  const suites = toResult({
    testId: TEST, target: ep.target, subject: `cipher suites and key exchange groups on ${where}`,
    judgements: judgeSuitesAndGroups(r), tables: [tlsCipherSuites.ref, tlsGroups.ref], ...(evidence ? { evidence } : {}),
    data: { aspect: 'cipher-suites', suites: r.suites, groups: r.groups, negotiated: r.negotiated },
  });
  const cert = judgeCertificate(r, new Date(), ca.declared ? { declared: true, ...(ca.error ? { error: ca.error } : {}) } : { declared: false });
  const certificate = toResult({
    testId: TEST, target: ep.target, subject: `certificate chain on ${where}`,
    judgements: cert.judgements, tables: [certificates.ref], notApplicable: cert.notApplicable, ...(evidence ? { evidence } : {}),
    data: { aspect: 'certificate', chainSource: r.chainSource, chain: r.chain.map(({ pem: _pem, ...facts }) => facts), chainToCa: r.chainToCa },
  });
  return [versions, suites, certificate];
}

export default defineCheck({
  version: '1.0.0',
  title: 'TLS versions, cipher suites, groups and certificates',
  testIds: [TEST],
  needs: ['tls'],
  appliesTo: () => true,
  async run(ctx): Promise<CheckResult[]> {
    if (!ctx.discoveryRan() && ctx.discovered().length === 0) return [noDiscovery(TEST)];
    const endpoints = await tlsEndpoints(ctx);
    const openTcp = ctx.discovered().filter((s) => s.state === 'open' && s.transport === 'tcp').length;
    if (endpoints.length === 0) return [notApplicable(TEST, `no TLS service among the ${openTcp} open TCP service(s) discovery found`)];
    const ca = declaredCa(ctx);
    const out: CheckResult[] = [];
    for (const [i, ep] of endpoints.entries()) {
      ctx.progress(i, endpoints.length, `TLS tcp/${ep.port}`);
      let report: TlsEndpointReport;
      try {
        report = await scanTlsEndpoint(
          { guard: ctx.guard, address: ctx.device.address, port: ep.port, timeoutMs: 4000, budget: ctx.budget, signal: ctx.signal },
          ca.declared ? ca.pem : undefined,
        );
      } catch (err) {
        if (!(err instanceof TrustlabError && err.code === 'TL_TRANSPORT')) throw err;
        out.push({ testId: TEST, status: 'inconclusive', target: ep.target, summary: `TLS on tcp/${ep.port} could not be probed: ${err.message}` });
        continue;
      }
      const evidence = [await ctx.putEvidence(`tls-${ep.port}.json`, evidenceJson(report), 'application/json')];
      if (report.chain.length > 0) {
        evidence.push(await ctx.putEvidence(`tls-${ep.port}-chain.pem`, report.chain.map((c) => c.pem).join(''), 'application/x-pem-file'));
      }
      out.push(...endpointResults(ep, report, ca, evidence));
    }
    ctx.progress(endpoints.length, endpoints.length);
    return out;
  },
});
