/**
 * Unauthenticated CoAP access (RFC 7252): discover resources at /.well-known/core (RFC 6690),
 * GET each, and PUT back to a readable resource exactly what it returned, so writability is
 * shown without changing the device's state. 2.xx answers are access; 4.01/4.03 refusals.
 * Messages are built and parsed by coap-packet over a guarded UDP exchange.
 */
import { randomInt } from 'node:crypto';
import coapPacket from 'coap-packet';
import { openDatagram, type DatagramTarget } from '../tls/datagram.ts';
import { ADAPTER_API_VERSION, type AdapterPlugin } from '../../harness/plugins/types.ts';

/** The CoAP adapter's metadata. */
export const coapAdapter: AdapterPlugin = {
  apiVersion: ADAPTER_API_VERSION, id: 'coap', version: '1.0.0', title: 'CoAP unauthenticated GET/PUT', protocols: ['coap'],
};

/** One request's answer, or why there was none. */
export interface CoapReply {
  method: 'GET' | 'PUT';
  path: string;
  code?: string;
  payload?: string;
  contentFormat?: number;
  error?: 'silent' | 'refused' | 'not-coap';
}

/** What anonymous access to one resource came to. */
export interface CoapResourceAccess {
  path: string;
  read: CoapReply;
  write?: CoapReply;
  outcome: 'accepted' | 'rejected' | 'not-offered';
}

const METHOD = { GET: '0.01', PUT: '0.03' } as const;
const MAX_RESOURCES = 16;

/** Parse an RFC 6690 link-format body into resource paths. */
export function parseLinkFormat(body: string): string[] {
  return [...body.matchAll(/<([^>]+)>/g)].map((m) => m[1]!).filter((p) => p.startsWith('/') && p !== '/.well-known/core');
}

/** One confirmable request with up to two transmissions. */
export async function coapRequest(t: DatagramTarget, method: 'GET' | 'PUT', path: string, payload?: Buffer, contentFormat?: number): Promise<CoapReply> {
  const ex = await openDatagram(t);
  try {
    const messageId = randomInt(1, 0xffff);
    const token = Buffer.from([randomInt(0, 256), randomInt(0, 256), randomInt(0, 256), randomInt(0, 256)]);
    const options = path.split('/').filter(Boolean).map((seg) => ({ name: 'Uri-Path' as const, value: Buffer.from(seg) }));
    if (contentFormat !== undefined) options.push({ name: 'Content-Format' as never, value: Buffer.from(contentFormat > 255 ? [contentFormat >> 8, contentFormat & 0xff] : contentFormat === 0 ? [] : [contentFormat]) });
    const bytes = coapPacket.generate({ code: METHOD[method], messageId, token, confirmable: true, options, ...(payload ? { payload } : {}) });
    for (let attempt = 0; attempt < 2; attempt += 1) {
      ex.send(bytes);
      for (;;) {
        const r = await ex.next();
        if (r.kind === 'refused') return { method, path, error: 'refused' };
        if (r.kind === 'timeout') break;
        let p: ReturnType<typeof coapPacket.parse>;
        try {
          p = coapPacket.parse(r.data);
        } catch {
          return { method, path, error: 'not-coap' };
        }
        if (!p.token.equals(token)) continue;
        const cf = p.options.find((o) => o.name === 'Content-Format')?.value;
        return { method, path, code: p.code, payload: p.payload.subarray(0, 512).toString('utf8'), ...(cf ? { contentFormat: cf.length === 0 ? 0 : cf.readUIntBE(0, cf.length) } : {}) };
      }
    }
    return { method, path, error: 'silent' };
  } finally {
    ex.close();
  }
}

const ok = (r: CoapReply): boolean => r.code !== undefined && r.code.startsWith('2.');

/** Discover resources and test anonymous read and write-back on each. */
export async function coapAudit(t: DatagramTarget): Promise<{ discovery: CoapReply; resources: CoapResourceAccess[] }> {
  const discovery = await coapRequest(t, 'GET', '/.well-known/core');
  if (!ok(discovery)) return { discovery, resources: [] };
  const resources: CoapResourceAccess[] = [];
  for (const path of parseLinkFormat(discovery.payload ?? '').slice(0, MAX_RESOURCES)) {
    const read = await coapRequest(t, 'GET', path);
    let write: CoapReply | undefined;
    if (ok(read) && read.payload !== undefined && read.payload !== '') write = await coapRequest(t, 'PUT', path, Buffer.from(read.payload, 'utf8'), read.contentFormat);
    const denied = (r?: CoapReply): boolean => r?.code === '4.01' || r?.code === '4.03';
    const outcome = ok(read) || (write && ok(write)) ? 'accepted' : denied(read) ? 'rejected' : 'not-offered';
    resources.push({ path, read, ...(write ? { write } : {}), outcome });
  }
  return { discovery, resources };
}
