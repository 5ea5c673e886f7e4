/**
 * CTM-EN-03: plaintext channels that carry credentials or commands (telnet, FTP, MQTT on
 * 1883, CoAP without DTLS, an HTTP admin interface) must not be open in the default
 * configuration. TCP services come from discovery; CoAP is asked directly on UDP, since the
 * scan core probes TCP. Plain HTTP fails only when it serves a login or admin surface; a
 * redirect to https passes.
 */
import type { CheckResult } from '../../harness/plugins/types.ts';
import type { DiscoveredService } from '../../harness/model.ts';
import { defineCheck } from '../../harness/plugins/registry.ts';
import { TrustlabError } from '../../harness/errors.ts';
import { probeCoap } from './coap-probe.ts';
import { udpPorts } from './endpoints.ts';
import { noDiscovery } from './findings.ts';
import { classifySurface, httpGet, type HttpAnswer } from './http-surface.ts';
import { cite, fromEntry, plaintextChannels } from './policy.ts';

const TEST = 'CTM-EN-03';
type Entry = (typeof plaintextChannels.entries)[number];

/** The plaintext-channel entry a discovered TCP service matches: by name, else by port when only guessed. */
export function matchPlaintext(s: Pick<DiscoveredService, 'service' | 'port' | 'identifiedBy' | 'transport'>): Entry | undefined {
  const byName = plaintextChannels.entries.find((e) => e.transport === s.transport && e.services.includes(s.service ?? ''));
  if (byName) return byName;
  const guessed = s.service === undefined || s.service === 'unknown' || s.identifiedBy === 'port';
  return guessed ? plaintextChannels.entries.find((e) => e.transport === s.transport && e.ports.includes(s.port)) : undefined;
}

function failure(e: Entry, s: { transport: 'tcp' | 'udp'; port: number; service: string }, detail: string, data: Record<string, unknown> = {}): CheckResult {
  const j = fromEntry('plaintext-channels', e, `${s.service} on ${s.transport}/${s.port}`);
  return {
    testId: TEST, status: 'fail', target: { transport: s.transport, port: s.port, service: s.service },
    summary: `plaintext channel open: ${cite(j)}: ${e.why}${detail ? ` (${detail})` : ''}`,
    data: { ...data, failures: [j], tables: [plaintextChannels.ref] },
  };
}

function httpDetail(answers: readonly HttpAnswer[]): string {
  return answers.map((a) => `${a.path} -> ${a.status ?? a.error}${a.authenticate ? ` ${a.authenticate} auth` : ''}${a.loginForm ? ' login form' : ''}${a.location ? ` ${a.location}` : ''}`).join(', ');
}

export default defineCheck({
  version: '1.0.0',
  title: 'No plaintext channels for credentials or commands',
  testIds: [TEST],
  needs: ['http', 'coap'],
  appliesTo: () => true,
  async run(ctx): Promise<CheckResult[]> {
    if (!ctx.discoveryRan() && ctx.discovered().length === 0) return [noDiscovery(TEST)];
    const out: CheckResult[] = [];
    const checked: string[] = [];
    const tcp = ctx.discovered().filter((s) => s.state === 'open' && s.transport === 'tcp');
    for (const s of tcp) {
      const e = matchPlaintext(s);
      if (!e) continue;
      const where = { transport: 'tcp' as const, port: s.port, service: s.service ?? e.id };
      checked.push(`${where.service} tcp/${s.port}`);
      if (e.id !== 'http-admin') {
        out.push(failure(e, where, s.identifiedBy === 'port' ? 'identified by port number only' : `identified by ${s.identifiedBy ?? 'scan'}`));
        continue;
      }
      const answers: HttpAnswer[] = [];
      for (const path of plaintextChannels.httpAdminPaths) {
        answers.push(await httpGet({ guard: ctx.guard, address: ctx.device.address, port: s.port, path, budget: ctx.budget, signal: ctx.signal }));
      }
      const surface = classifySurface(answers);
      const data = { http: answers, surface, tables: [plaintextChannels.ref] };
      if (surface === 'credentials-in-clear') out.push(failure(e, where, httpDetail(answers), { http: answers }));
      else if (surface === 'redirects-to-https') out.push({ testId: TEST, status: 'pass', target: where, summary: `plain HTTP on tcp/${s.port} only redirects to https (${httpDetail(answers)})`, data });
      else out.push({ testId: TEST, status: 'inconclusive', target: where, summary: `plain HTTP on tcp/${s.port} serves content in clear but no login or admin surface at ${plaintextChannels.httpAdminPaths.join(', ')} (${httpDetail(answers)}): confirm it carries no credentials or commands`, data });
    }
    const coap = plaintextChannels.entries.find((e) => e.id === 'coap')!;
    for (const port of udpPorts(ctx, coap.services, coap.ports)) {
      let answer;
      try {
        answer = await probeCoap({ guard: ctx.guard, address: ctx.device.address, port, timeoutMs: 1000 });
      } catch (err) {
        if (!(err instanceof TrustlabError && err.code === 'TL_TRANSPORT')) throw err;
        continue;
      }
      checked.push(`coap udp/${port} (${answer.kind})`);
      if (answer.kind === 'coap') out.push(failure(coap, { transport: 'udp', port, service: 'coap' }, `GET /.well-known/core answered ${answer.code}`, { coap: answer }));
    }
    if (out.length === 0) {
      out.push({ testId: TEST, status: 'pass', summary: `no plaintext channel for credentials or commands among ${tcp.length} open TCP service(s); checked ${checked.join(', ') || 'no candidate'}`, data: { tables: [plaintextChannels.ref] } });
    }
    return out;
  },
});
