/**
 * The scope guard: the only gate between the harness and the network. Every socket the
 * harness opens (adapters, scan core, fuzzer) asks `assertInScope` first; an address outside
 * scope is refused with TL_SCOPE_VIOLATION before any packet is sent.
 */
import net from 'node:net';
import { channel } from 'node:diagnostics_channel';
import { TrustlabError } from '../errors.ts';

/** Published for every refused address, so the CLI and tests can see refusals. */
export const scopeRefusedChannel = channel('trustlab:scope:refused');

export interface ScopeGuard {
  /** The scope entries as given (CIDRs or single addresses). */
  readonly entries: readonly string[];
  /** True when the address is an IP literal inside scope. */
  allows(address: string): boolean;
  /** Throws TL_SCOPE_VIOLATION unless the address is an IP literal inside scope. */
  assertInScope(address: string, purpose?: string): void;
}

function parseEntry(entry: string): { address: string; prefix: number; family: 'ipv4' | 'ipv6' } {
  const [addr, prefixText, extra] = entry.split('/');
  const version = net.isIP(addr ?? '');
  if (!addr || version === 0 || extra !== undefined) {
    throw new TrustlabError('TL_SCOPE_INVALID', `scope entry "${entry}" is not an IP address or CIDR`);
  }
  const max = version === 4 ? 32 : 128;
  const prefix = prefixText === undefined ? max : Number(prefixText);
  if (!/^\d+$/.test(prefixText ?? String(max)) || prefix < 0 || prefix > max) {
    throw new TrustlabError('TL_SCOPE_INVALID', `scope entry "${entry}" has a prefix outside 0-${max}`);
  }
  return { address: addr, prefix, family: version === 4 ? 'ipv4' : 'ipv6' };
}

/** Build a guard from CIDR entries. An empty list allows nothing. */
export function createScopeGuard(entries: readonly string[]): ScopeGuard {
  // BlockList is Node's own CIDR matcher: no hand-rolled bit arithmetic to get wrong.
  const list = new net.BlockList();
  for (const entry of entries) {
    const { address, prefix, family } = parseEntry(entry);
    list.addSubnet(address, prefix, family);
  }
  const frozen = Object.freeze([...entries]);
  const allows = (address: string): boolean => {
    const version = net.isIP(address);
    if (version === 0) return false;
    return list.check(address, version === 4 ? 'ipv4' : 'ipv6');
  };
  return Object.freeze({
    entries: frozen,
    allows,
    assertInScope(address: string, purpose = 'connect') {
      if (allows(address)) return;
      scopeRefusedChannel.publish({ address, purpose });
      const why = net.isIP(address) === 0
        ? `"${address}" is not an IP literal (the harness never resolves names)`
        : `${address} is outside network.scope [${frozen.join(', ')}]`;
      throw new TrustlabError('TL_SCOPE_VIOLATION', `refused to ${purpose}: ${why}; no packet was sent`);
    },
  });
}

/** For ad-hoc commands: the addresses named on the command line are the whole scope. */
export function scopeFromAddresses(addresses: readonly string[]): ScopeGuard {
  return createScopeGuard(addresses.map((a) => (a.includes('/') ? a : `${a}/${net.isIP(a) === 6 ? 128 : 32}`)));
}

export interface GuardedConnectOptions {
  host: string;
  port: number;
  /** Milliseconds before the attempt is abandoned; the socket is then destroyed. */
  timeoutMs?: number;
}

/**
 * Open a TCP socket only after the guard allows the host. The check is synchronous and comes
 * before net.connect, so a refused address never reaches the kernel.
 */
export function guardedConnect(guard: ScopeGuard, opts: GuardedConnectOptions): net.Socket {
  guard.assertInScope(opts.host, `connect to port ${opts.port}`);
  const socket = net.connect({ host: opts.host, port: opts.port });
  if (opts.timeoutMs !== undefined) socket.setTimeout(opts.timeoutMs);
  return socket;
}
