/**
 * Service identification for open TCP ports by banner and protocol probes: a client-first
 * service on its usual port is asked in its protocol first (identify-probes.ts); otherwise
 * read what the service says first (SSH, telnet IAC, FTP), and if it is silent, ask in HTTP,
 * TLS and MQTT. nmap -sV (adapters/nmap) can add product and version afterwards.
 */
import type { Socket } from 'node:net';
import type { DiscoveredService } from '../model.ts';
import { guardedConnect, type ScopeGuard } from '../scope/guard.ts';
import { PORT_HINTS } from './port-hints.ts';
import { GENERIC_ORDER, PROBE_ORDER, classifyReply, probeRequest, tlsServiceName, type ClientFirstProbe } from './identify-probes.ts';

export { serviceHint } from './port-hints.ts';

/**
 * A service that speaks first does so as soon as it accepts (SSH, telnet, FTP): a short wait
 * is enough; client-first services on their usual ports skip it (PROBE_ORDER).
 */
const BANNER_WAIT_MS = 500;
const REPLY_WAIT_MS = 800;
const MAX_BANNER = 512;

function readSome(socket: Socket, waitMs: number): Promise<Buffer> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const done = (): void => {
      clearTimeout(timer);
      socket.off('data', onData);
      resolve(Buffer.concat(chunks));
    };
    const onData = (b: Buffer): void => {
      chunks.push(b);
      size += b.length;
      if (size >= MAX_BANNER) done();
      else {
        clearTimeout(timer);
        timer = setTimeout(done, 150);
      }
    };
    let timer = setTimeout(done, waitMs);
    socket.on('data', onData);
    socket.once('close', done);
  });
}

/** Printable form of a banner for reports: control bytes escaped, length bounded. */
export function printableBanner(b: Buffer): string {
  return [...b.subarray(0, MAX_BANNER)].map((c) => (c >= 0x20 && c < 0x7f ? String.fromCharCode(c) : c === 0x0a ? '\\n' : c === 0x0d ? '\\r' : `\\x${c.toString(16).padStart(2, '0')}`)).join('');
}

/** Classify what a service sent first. */
export function classifyBanner(b: Buffer): { service: string; product?: string; version?: string } | undefined {
  const text = b.toString('latin1');
  const ssh = /^SSH-([\d.]+)-(\S+)/.exec(text);
  if (ssh) {
    const [prod, ver] = ssh[2]!.split(/[_-]/, 2);
    return { service: 'ssh', product: prod, version: ver };
  }
  // Telnet servers open with IAC (0xff) option negotiation: WILL/WONT/DO/DONT.
  if (b.length >= 3 && b[0] === 0xff && b[1]! >= 0xfb && b[1]! <= 0xfe) return { service: 'telnet' };
  if (/^220[ -].*ftp/i.test(text)) return { service: 'ftp' };
  if (/^220[ -]/.test(text)) return { service: 'smtp-or-ftp' };
  if (/^(login|username|user name)\s*:/im.test(text)) return { service: 'telnet' };
  return undefined;
}

async function exchange(guard: ScopeGuard, address: string, port: number, send?: Buffer): Promise<Buffer> {
  const socket = guardedConnect(guard, { host: address, port, timeoutMs: BANNER_WAIT_MS + REPLY_WAIT_MS });
  socket.on('error', () => undefined);
  socket.on('timeout', () => socket.destroy());
  try {
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
      socket.once('close', () => reject(new Error('closed before connect')));
    });
    if (send) socket.write(send);
    return await readSome(socket, send ? REPLY_WAIT_MS : BANNER_WAIT_MS);
  } catch {
    return Buffer.alloc(0);
  } finally {
    socket.destroy();
  }
}

/** Identify one open TCP port. Never throws for device behaviour: unknown stays unknown. */
export async function identifyTcp(guard: ScopeGuard, address: string, port: number): Promise<DiscoveredService> {
  const base: DiscoveredService = { transport: 'tcp', port, state: 'open' };
  const hint = PORT_HINTS[port];
  const tried = new Set<ClientFirstProbe>();
  const probe = async (list: readonly ClientFirstProbe[]): Promise<DiscoveredService | undefined> => {
    for (const p of list) {
      if (tried.has(p)) continue;
      tried.add(p);
      const reply = await exchange(guard, address, port, probeRequest(p, address));
      const match = classifyReply(reply);
      if (!match) continue;
      const service = match.service === 'tls' ? tlsServiceName(hint) : match.service;
      return { ...base, ...match, service, ...(reply.length ? { banner: printableBanner(reply.subarray(0, 200)) } : {}), identifiedBy: 'probe' };
    }
    return undefined;
  };
  // A client-speaks-first service on its usual port is asked in its protocol at once: no banner wait.
  const first = hint ? PROBE_ORDER[hint] : undefined;
  if (first) {
    const found = await probe(first);
    if (found) return found;
  }
  const banner = await exchange(guard, address, port);
  const classified = banner.length > 0 ? classifyBanner(banner) : undefined;
  // A bare "220" greeting is FTP or SMTP: the conventional port decides which.
  const fromBanner = classified?.service === 'smtp-or-ftp' && hint === 'ftp' ? { ...classified, service: 'ftp' } : classified;
  if (fromBanner) return { ...base, ...fromBanner, banner: printableBanner(banner), identifiedBy: 'banner' };
  if (banner.length === 0) {
    const found = await probe(GENERIC_ORDER);
    if (found) return found;
  }
  return { ...base, ...(hint ? { service: hint, identifiedBy: 'port' } : { service: 'unknown' }), ...(banner.length ? { banner: printableBanner(banner) } : {}) };
}
