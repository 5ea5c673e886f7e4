/**
 * Plain CoAP (no DTLS) on a UDP port: a confirmable GET /.well-known/core (RFC 7252 §3,
 * RFC 6690 §4). Any well-formed CoAP message back with our message id means CoAP answers in
 * clear; an ICMP port-unreachable means closed; silence means nothing answered.
 */
import { randomInt } from 'node:crypto';
import { openDatagram, type DatagramTarget } from '../../adapters/tls/datagram.ts';

/** What the port did. */
export type CoapAnswer = { kind: 'coap'; code: string; payload: string } | { kind: 'refused' | 'silent' | 'not-coap' };

/** The request bytes: CON GET, token-less, Uri-Path ".well-known" / "core". */
export function coapDiscoveryRequest(messageId: number): Buffer {
  const seg = (delta: number, text: string): Buffer => Buffer.concat([Buffer.from([(delta << 4) | text.length]), Buffer.from(text)]);
  return Buffer.concat([Buffer.from([0x40, 0x01, messageId >> 8, messageId & 0xff]), seg(11, '.well-known'), seg(0, 'core')]);
}

/** Is this datagram a CoAP answer to the message id? */
export function parseCoapAnswer(data: Buffer, messageId: number): CoapAnswer {
  if (data.length < 4 || data[0]! >> 6 !== 1) return { kind: 'not-coap' };
  const type = (data[0]! >> 4) & 0x3;
  const id = data.readUInt16BE(2);
  // An ACK or RST echoes our id; a separate (CON/NON) response carries its own id.
  if ((type === 2 || type === 3) && id !== messageId) return { kind: 'not-coap' };
  const code = `${data[1]! >> 5}.${String(data[1]! & 0x1f).padStart(2, '0')}`;
  const marker = data.indexOf(0xff, 4 + (data[0]! & 0x0f));
  return { kind: 'coap', code, payload: marker >= 0 ? data.subarray(marker + 1, marker + 257).toString('utf8') : '' };
}

/** Ask the port for /.well-known/core once (with one retransmission). */
export async function probeCoap(target: DatagramTarget): Promise<CoapAnswer> {
  const ex = await openDatagram(target);
  try {
    const id = randomInt(1, 0xffff);
    const request = coapDiscoveryRequest(id);
    for (let attempt = 0; attempt < 2; attempt += 1) {
      ex.send(request);
      const r = await ex.next();
      if (r.kind === 'refused') return { kind: 'refused' };
      if (r.kind === 'datagram') return parseCoapAnswer(r.data, id);
    }
    return { kind: 'silent' };
  } finally {
    ex.close();
  }
}
