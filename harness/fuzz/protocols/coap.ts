/**
 * CoAP (RFC 7252) with block-wise transfers (RFC 7959): valid requests come from coap-packet's
 * generator and are dissected into header, code, message id, token, options (by absolute
 * number, so the delta nibbles and their extensions are recomputed or pinned to a lie) and
 * payload. Multi-message templates walk a Block1 upload and a Block2 download.
 */
import coapPacket, { type Packet } from 'coap-packet';
import type { ProtocolModel, Template } from '../protocol.ts';
import type { Rng } from '../rng.ts';
import { bytes, type Message, type Segment } from '../segments.ts';

const CODES: Record<string, string> = { '0.01': 'GET', '0.02': 'POST', '0.03': 'PUT', '0.04': 'DELETE' };

/** Dissect one well-formed CoAP message into segments. */
export function dissectCoap(buf: Buffer): Message {
  const tkl = buf[0]! & 0x0f;
  const segs: Segment[] = [
    bytes('header', 'flags', buf.subarray(0, 1)),
    bytes('code', 'type', buf.subarray(1, 2)),
    bytes('message-id', 'number', buf.subarray(2, 4)),
    bytes('token', 'token', buf.subarray(4, 4 + tkl)),
  ];
  let at = 4 + tkl;
  let number = 0;
  for (let k = 0; at < buf.length && buf[at] !== 0xff; k++) {
    const head = buf[at]!;
    at += 1;
    const ext = (nib: number): number => {
      if (nib === 13) return 13 + buf[at++]!;
      if (nib === 14) { const v = 269 + buf.readUInt16BE(at); at += 2; return v; }
      return nib;
    };
    number += ext(head >> 4);
    const len = ext(head & 0x0f);
    segs.push({ kind: 'coap-option', name: `option${k}`, number, value: Buffer.from(buf.subarray(at, at + len)) });
    at += len;
  }
  if (at < buf.length) segs.push(bytes('payload-marker', 'literal', [0xff]), bytes('payload', 'payload', buf.subarray(at + 1)));
  const code = buf[1]!;
  const name = CODES[`${code >> 5}.${String(code & 0x1f).padStart(2, '0')}`] ?? `code ${code}`;
  return { label: name, segments: segs };
}

/** A Block1/Block2 option value: NUM, M(ore) and SZX (RFC 7959 §2.2). */
export function blockValue(num: number, more: boolean, szx: number): Buffer {
  const v = (num << 4) | (more ? 8 : 0) | szx;
  if (v === 0) return Buffer.alloc(0);
  return v < 0x100 ? Buffer.from([v]) : v < 0x10000 ? Buffer.from([v >> 8, v & 0xff]) : Buffer.from([v >> 16, (v >> 8) & 0xff, v & 0xff]);
}

function path(p: string): { name: 'Uri-Path'; value: Buffer }[] {
  return p.split('/').filter(Boolean).map((s) => ({ name: 'Uri-Path' as const, value: Buffer.from(s) }));
}

function request(rng: Rng, packet: Packet): Message {
  return dissectCoap(coapPacket.generate({ confirmable: true, messageId: 1 + rng.int(65534), token: rng.bytes(rng.pick([0, 2, 4, 8])), ...packet }));
}

/** The CoAP knowledge of the fuzzer. */
export const coapModel: ProtocolModel = {
  name: 'coap',
  transport: 'udp',
  defaultPort: 5683,
  bucketByLabel: false,
  template(rng): Template {
    const resource = rng.pick(['config', 'status', '.well-known/core', 'fw/update']);
    switch (rng.int(5)) {
      case 0: return { label: 'GET /.well-known/core', messages: [request(rng, { code: 'GET', options: path('.well-known/core') })] };
      case 1: return { label: `GET /${resource}?q`, messages: [request(rng, { code: 'GET', options: [...path(resource), { name: 'Accept', value: Buffer.from([50]) }, { name: 'Uri-Query', value: Buffer.from('verbose=1') }] })] };
      case 2: return { label: `PUT /${resource}`, messages: [request(rng, { code: 'PUT', options: [...path(resource), { name: 'Content-Format', value: Buffer.from([50]) }], payload: Buffer.from('{"device_name":"x"}') })] };
      case 3: {
        // A Block1 upload in three 16-byte blocks (SZX 0): the state a reassembly buffer keeps.
        const body = Buffer.from('{"image":"0123456789abcdef0123456789abcdef01234"}');
        const messages = [0, 1, 2].map((num) => request(rng, {
          code: 'PUT',
          options: [...path('fw/update'), { name: 'Block1', value: blockValue(num, num < 2, 0) }, { name: 'Size1', value: Buffer.from([body.length]) }],
          payload: body.subarray(num * 16, num * 16 + 16),
        }));
        return { label: 'PUT /fw/update Block1 x3', messages };
      }
      default: {
        const messages = [0, 1].map((num) => request(rng, { code: 'GET', options: [...path(resource), { name: 'Block2', value: blockValue(num, false, 1) }] }));
        return { label: `GET /${resource} Block2 x2`, messages };
      }
    }
  },
  // An empty confirmable message is CoAP's ping (RFC 7252 §4.3): a live endpoint answers RST.
  livenessProbe: (id) => Buffer.from([0x40, 0x00, (id >> 8) & 0xff, id & 0xff]),
  provesAlive: (reply, id) => reply.length >= 4 && reply[0]! >> 6 === 1 && reply.readUInt16BE(2) === (id & 0xffff),
  signature(reply) {
    if (reply.length < 4 || reply[0]! >> 6 !== 1) return reply.length === 0 ? 'none' : 'not-coap';
    const type = ['CON', 'NON', 'ACK', 'RST'][(reply[0]! >> 4) & 3];
    const code = `${reply[1]! >> 5}.${String(reply[1]! & 0x1f).padStart(2, '0')}`;
    let options = '';
    try {
      options = coapPacket.parse(reply).options.map((o) => String(o.name)).join(',');
    } catch {
      options = 'unparsable';
    }
    return `${type} ${code} [${options}]`;
  },
};
