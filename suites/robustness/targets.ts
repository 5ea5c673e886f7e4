/**
 * What the robustness suite fuzzes: open TCP services discovery named MQTT or HTTP, and CoAP
 * on UDP (discovered, declared, or the default 5683 when it answers a ping), since the scan
 * core may not have probed UDP. TLS services (https, mqtts) are listed as not fuzzed.
 */
import type { CheckContext } from '../../harness/plugins/types.ts';
import type { FuzzProtocol } from '../../harness/fuzz/index.ts';

/** One service to fuzz. */
export interface FuzzTargetSpec {
  protocol: FuzzProtocol;
  transport: 'tcp' | 'udp';
  port: number;
  service: string;
  /** True when only the default port is assumed (no discovery or declaration named it). */
  assumed: boolean;
}

const TCP_NAMES: Record<string, FuzzProtocol> = { mqtt: 'mqtt', http: 'http', 'http-alt': 'http', 'http-proxy': 'http', www: 'http' };
const TLS_NAMES = new Set(['https', 'mqtts', 'secure-mqtt', 'https-alt', 'coaps']);
const COAP_DEFAULT = 5683;

/** Services to fuzz, and TLS services seen but left out. */
export function fuzzTargets(ctx: CheckContext): { targets: FuzzTargetSpec[]; skippedTls: string[] } {
  const open = ctx.discovered().filter((s) => s.state === 'open');
  const targets: FuzzTargetSpec[] = [];
  for (const s of open.filter((x) => x.transport === 'tcp')) {
    const protocol = TCP_NAMES[s.service ?? ''];
    if (protocol) targets.push({ protocol, transport: 'tcp', port: s.port, service: s.service!, assumed: false });
  }
  const coapPorts = new Set<number>();
  for (const s of ctx.discovered()) if (s.transport === 'udp' && s.state !== 'closed' && s.service === 'coap') coapPorts.add(s.port);
  for (const s of ctx.device.declared.services) if (s.transport === 'udp' && s.service === 'coap' && !s.disabled) coapPorts.add(s.port);
  for (const port of [...coapPorts].sort((a, b) => a - b)) targets.push({ protocol: 'coap', transport: 'udp', port, service: 'coap', assumed: false });
  if (!coapPorts.has(COAP_DEFAULT)) targets.push({ protocol: 'coap', transport: 'udp', port: COAP_DEFAULT, service: 'coap', assumed: true });
  const skippedTls = open.filter((s) => TLS_NAMES.has(s.service ?? '')).map((s) => `${s.service} ${s.transport}/${s.port}`);
  return { targets, skippedTls };
}
