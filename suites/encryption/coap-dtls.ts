/**
 * CTM-EN-04: where CoAP is used, it must be offered over DTLS (udp/5684 or a declared coaps
 * port) at an allowed DTLS version and in one of the RFC 7252 §9 security modes. CoAP that
 * answers only in clear fails. Version and mode come from the DTLS ServerHello (no DTLS library
 * is needed for that); the certificate behind certificate mode is not verified here.
 */
import type { CheckResult } from '../../harness/plugins/types.ts';
import { defineCheck } from '../../harness/plugins/registry.ts';
import { scanDtlsEndpoint, type DtlsEndpointReport } from '../../adapters/tls/dtls.ts';
import { probeCoap, type CoapAnswer } from './coap-probe.ts';
import { udpPorts } from './endpoints.ts';
import { notApplicable, toResult } from './findings.ts';
import { cite, dtls, fromEntry, judgeName, type Judgement } from './policy.ts';

const TEST = 'CTM-EN-04';
const MODE_NAMES = { psk: 'PreSharedKey', rawPublicKey: 'RawPublicKey', certificate: 'Certificate' } as const;

/** Judge one DTLS endpoint's accepted versions and modes. */
export function judgeDtls(r: DtlsEndpointReport): Judgement[] {
  const versions = r.versions.filter((v) => v.accepted).map((v) => judgeName('dtls/versions', dtls.versions, v.version));
  const modes = (Object.keys(MODE_NAMES) as (keyof typeof MODE_NAMES)[])
    .filter((m) => r.modes[m])
    .map((m) => judgeName('dtls/modes', dtls.modes, MODE_NAMES[m]));
  return [...versions, ...modes];
}

export default defineCheck({
  version: '1.0.0',
  title: 'CoAP over DTLS: version and security mode',
  testIds: [TEST],
  needs: ['coap', 'tls'],
  appliesTo: () => true,
  async run(ctx): Promise<CheckResult[]> {
    const target = (port: number): { guard: typeof ctx.guard; address: string; port: number; timeoutMs: number } =>
      ({ guard: ctx.guard, address: ctx.device.address, port, timeoutMs: 1000 });
    const plain: { port: number; answer: CoapAnswer }[] = [];
    for (const port of udpPorts(ctx, ['coap'], [5683])) plain.push({ port, answer: await probeCoap(target(port)) });
    const reports: DtlsEndpointReport[] = [];
    for (const port of udpPorts(ctx, ['coaps', 'dtls'], [5684])) reports.push(await scanDtlsEndpoint(target(port)));
    const secured = reports.filter((r) => r.answered === 'dtls');
    const clear = plain.filter((p) => p.answer.kind === 'coap');
    const seen = [...plain.map((p) => `udp/${p.port} CoAP: ${p.answer.kind}`), ...reports.map((r) => `udp/${r.port} DTLS: ${r.answered}`)].join(', ');

    if (secured.length === 0 && clear.length > 0) {
      const e = dtls.coapWithoutDtls;
      const j = fromEntry('dtls', e, `CoAP on ${clear.map((p) => `udp/${p.port}`).join(', ')} without DTLS`);
      return clear.map((p) => ({
        testId: TEST, status: 'fail' as const, target: { transport: 'udp' as const, port: p.port, service: 'coap' },
        summary: `CoAP is offered only without DTLS: ${cite(j)}: ${e.why} (${seen})`,
        data: { failures: [j], tables: [dtls.ref], coap: p.answer, dtls: reports },
      }));
    }
    if (secured.length === 0) {
      const odd = reports.filter((r) => r.answered === 'not-dtls');
      if (odd.length > 0) {
        return [{ testId: TEST, status: 'inconclusive', summary: `${odd.map((r) => `udp/${r.port}`).join(', ')} answered, but not as DTLS or CoAP (${seen})`, data: { dtls: reports } }];
      }
      return [notApplicable(TEST, `CoAP is not offered: ${seen}; no CoAP or coaps service declared or discovered`)];
    }
    const out: CheckResult[] = [];
    for (const r of secured) {
      const evidence = await ctx.putEvidence(`dtls-${r.port}.json`, JSON.stringify(r, null, 2), 'application/json');
      const accepted = r.versions.filter((v) => v.accepted).map((v) => v.version);
      const modes = (Object.keys(MODE_NAMES) as (keyof typeof MODE_NAMES)[]).filter((m) => r.modes[m]).map((m) => MODE_NAMES[m]);
      const result = toResult({
        testId: TEST, target: { transport: 'udp', port: r.port, service: 'coaps' },
        subject: `CoAP over DTLS on udp/${r.port} (${accepted.join(', ') || 'no version accepted'}; modes ${modes.join(', ') || 'undetermined'})`,
        judgements: judgeDtls(r), tables: [dtls.ref], evidence: [evidence],
        data: { versions: r.versions, modes: r.modes, modeSuites: r.modeSuites, plainCoap: clear.map((p) => p.port) },
      });
      if (accepted.length === 0) {
        result.status = 'inconclusive';
        result.summary = `udp/${r.port} answers DTLS but selected none of ${r.versions.map((v) => `${v.version} (${v.outcome})`).join(', ')}`;
      }
      out.push(result);
    }
    return out;
  },
});
