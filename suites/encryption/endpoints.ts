/**
 * Which endpoints the encryption checks look at, from what discovery found: TLS services by
 * name, SSH by name, and any open TCP port whose service was not identified (or only guessed
 * from its number) if it answers a ClientHello like a TLS server.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { CheckContext } from '../../harness/plugins/types.ts';
import type { DiscoveredService, Target } from '../../harness/model.ts';
import { TrustlabError } from '../../harness/errors.ts';
import { speaksTls } from '../../adapters/tls/endpoint.ts';

/** Service names that are TLS from the first byte (IANA service names and common aliases). */
export const TLS_SERVICE_NAMES = new Set(['https', 'mqtts', 'secure-mqtt', 'tls', 'ssl', 'ftps', 'imaps', 'pop3s', 'smtps', 'ldaps', 'rtsps', 'wss', 'amqps', 'https-alt']);
/** Names that identify a protocol that is not TLS on its first byte, so no TLS sniff is tried. */
const KNOWN_CLEAR = new Set(['ssh', 'telnet', 'ftp', 'http', 'mqtt', 'smtp-or-ftp', 'rtsp']);

/** A TCP endpoint with how it was recognised. */
export interface Endpoint {
  port: number;
  service: string;
  target: Target;
}

const open = (ctx: CheckContext): DiscoveredService[] => ctx.discovered().filter((s) => s.state === 'open' && s.transport === 'tcp');

/** TLS endpoints: named TLS services, plus unidentified open ports that answer a ClientHello. */
export async function tlsEndpoints(ctx: CheckContext): Promise<Endpoint[]> {
  const out: Endpoint[] = [];
  for (const s of open(ctx)) {
    const name = s.service ?? 'unknown';
    let tls = TLS_SERVICE_NAMES.has(name);
    const guessed = name === 'unknown' || s.identifiedBy === 'port' || s.identifiedBy === undefined;
    if (!tls && guessed && !(KNOWN_CLEAR.has(name) && s.identifiedBy !== 'port')) {
      try {
        tls = await speaksTls({ guard: ctx.guard, address: ctx.device.address, port: s.port, timeoutMs: 3000, budget: ctx.budget, signal: ctx.signal });
      } catch (err) {
        // A port that closed since discovery is not TLS; scope faults still propagate.
        if (!(err instanceof TrustlabError && err.code === 'TL_TRANSPORT')) throw err;
      }
    }
    if (tls) {
      const service = TLS_SERVICE_NAMES.has(name) ? name : 'tls';
      out.push({ port: s.port, service, target: { transport: 'tcp', port: s.port, service } });
    }
  }
  return out;
}

/** SSH endpoints: open TCP services identified as SSH. */
export function sshEndpoints(ctx: CheckContext): Endpoint[] {
  return open(ctx).filter((s) => s.service === 'ssh').map((s) => ({ port: s.port, service: 'ssh', target: { transport: 'tcp' as const, port: s.port, service: 'ssh' } }));
}

/** The device's declared CA (declared.tlsCa: inline PEM or an absolute path to a PEM file). */
export function declaredCa(ctx: CheckContext): { declared: false } | { declared: true; pem?: string; error?: string } {
  const value = ctx.device.declared.tlsCa;
  if (value === undefined || value.trim() === '') return { declared: false };
  if (value.includes('-----BEGIN CERTIFICATE-----')) return { declared: true, pem: value };
  if (!path.isAbsolute(value)) return { declared: true, error: `"${value}" is neither PEM text nor an absolute path` };
  try {
    const pem = readFileSync(value, 'utf8');
    return pem.includes('-----BEGIN CERTIFICATE-----') ? { declared: true, pem } : { declared: true, error: `${value} holds no PEM certificate` };
  } catch (err) {
    return { declared: true, error: `${value}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}` };
  }
}

/** UDP ports to try for a protocol: discovered or declared under one of the names, plus its defaults. */
export function udpPorts(ctx: CheckContext, names: readonly string[], defaults: readonly number[]): number[] {
  const discovered = ctx.discovered().filter((s) => s.transport === 'udp' && s.state !== 'closed' && names.includes(s.service ?? '')).map((s) => s.port);
  const declared = ctx.device.declared.services.filter((s) => s.transport === 'udp' && !s.disabled && names.includes(s.service)).map((s) => s.port);
  return [...new Set([...defaults, ...discovered, ...declared])].sort((a, b) => a - b);
}
