/** Parsing `mqtt://ADDR:PORT`, `coap://ADDR:PORT`, `http://ADDR:PORT` targets. */
import net from 'node:net';
import { TrustlabError } from '../errors.ts';
import { FUZZ_PROTOCOLS, type FuzzProtocol } from './protocol.ts';
import { PROTOCOL_MODELS } from './protocols/index.ts';

/** A parsed target. */
export interface FuzzTarget {
  protocol: FuzzProtocol;
  address: string;
  port: number;
}

/** Parse a target URL; the host must be an IP literal (the harness never resolves names). */
export function parseTarget(text: string): FuzzTarget {
  const m = /^([a-z]+):\/\/(\[[0-9a-fA-F:.]+\]|[^/:]+)(?::(\d{1,5}))?\/?$/.exec(text.trim());
  const protocol = m?.[1] as FuzzProtocol | undefined;
  if (!m || !protocol || !FUZZ_PROTOCOLS.includes(protocol)) {
    throw new TrustlabError('TL_USAGE', `--target "${text}" is not mqtt://ADDR:PORT, coap://ADDR:PORT or http://ADDR:PORT`);
  }
  const address = m[2]!.replace(/^\[|\]$/g, '');
  if (net.isIP(address) === 0) throw new TrustlabError('TL_USAGE', `--target host "${address}" is not an IP address (the harness never resolves names)`);
  const port = m[3] === undefined ? PROTOCOL_MODELS[protocol].defaultPort : Number(m[3]);
  if (port < 1 || port > 65535) throw new TrustlabError('TL_USAGE', `--target port ${port} is outside 1-65535`);
  return { protocol, address, port };
}
