/**
 * The requests UDP probes send, one builder per protocol, and the check that an answer is
 * that protocol speaking. Any datagram back makes a port open; the check only decides
 * whether the service is named after the probe or left "unknown". Bytes are built here,
 * not copied, so each field is readable against its RFC.
 */
import { randomBytes } from 'node:crypto';
import { dtlsClientHello } from '../../adapters/tls/client-hello.ts';

/** Names of the payload builders (the "probe" column of data/udp-probes.json). */
export type UdpProbeName = 'dns' | 'tftp' | 'ntp' | 'netbios' | 'snmp' | 'ssdp' | 'stun' | 'sip' | 'mdns' | 'coap' | 'dtls' | 'empty';

function u16(n: number): Buffer {
  const b = Buffer.alloc(2);
  b.writeUInt16BE(n);
  return b;
}

/** A DNS name as length-prefixed labels (RFC 1035 3.1). */
export function dnsName(name: string): Buffer {
  const labels = name.split('.').filter((l) => l.length > 0);
  return Buffer.concat([...labels.map((l) => Buffer.concat([Buffer.from([l.length]), Buffer.from(l, 'ascii')])), Buffer.from([0])]);
}

function dnsQuery(id: number, flags: number, name: Buffer, qtype: number, qclass: number): Buffer {
  return Buffer.concat([u16(id), u16(flags), u16(1), u16(0), u16(0), u16(0), name, u16(qtype), u16(qclass)]);
}

/** DER TLV with a short or long length (X.690 8.1.3). */
function tlv(tag: number, body: Buffer): Buffer {
  const len = body.length < 128 ? Buffer.from([body.length]) : Buffer.from([0x81, body.length]);
  return Buffer.concat([Buffer.from([tag]), len, body]);
}

/** SNMPv2c GetRequest for sysDescr.0 (1.3.6.1.2.1.1.1.0) with the given community. */
export function snmpGet(community: string, requestId: number): Buffer {
  const oid = Buffer.from([0x2b, 6, 1, 2, 1, 1, 1, 0]);
  const varbind = tlv(0x30, Buffer.concat([tlv(0x06, oid), Buffer.from([0x05, 0x00])]));
  const reqId = Buffer.alloc(4);
  reqId.writeUInt32BE(requestId & 0x7fffffff);
  const pdu = tlv(0xa0, Buffer.concat([tlv(0x02, reqId), Buffer.from([0x02, 1, 0, 0x02, 1, 0]), tlv(0x30, varbind)]));
  return tlv(0x30, Buffer.concat([Buffer.from([0x02, 1, 1]), tlv(0x04, Buffer.from(community, 'ascii')), pdu]));
}

/** CoAP confirmable GET /.well-known/core (RFC 7252 3, 5.10.1; RFC 6690). */
export function coapWellKnownCore(messageId: number, token: Buffer): Buffer {
  const header = Buffer.from([0x40 | token.length, 0x01, (messageId >> 8) & 0xff, messageId & 0xff]);
  // Uri-Path is option 11: first ".well-known" (delta 11, length 11), then "core" (delta 0, length 4).
  return Buffer.concat([header, token, Buffer.from([0xbb]), Buffer.from('.well-known'), Buffer.from([0x04]), Buffer.from('core')]);
}

/** A DTLS 1.2 ClientHello offering the suites CoAP devices use (RFC 7252 9.1.3: PSK, raw keys, certificates). */
function dtlsHello(): Buffer {
  const suites = [0xc0a8, 0xc0ae, 0xc02b, 0xc02f, 0xc023, 0x00ae, 0x008c];
  return dtlsClientHello({ version: 0xfefd, suites, groups: [23, 29] }, 0, 0);
}

/** The request a probe sends (fresh ids each call, so a retry is not a duplicate to the server). */
export function udpPayload(probe: UdpProbeName, address: string): Buffer {
  const id = randomBytes(2).readUInt16BE();
  switch (probe) {
    case 'dns':
      // version.bind CH TXT: any DNS server answers (with the version, or REFUSED).
      return dnsQuery(id, 0x0100, dnsName('version.bind'), 16, 3);
    case 'mdns':
      // QU bit in the class asks for a unicast answer; from a port other than 5353 it is a legacy query (RFC 6762 6.7).
      return dnsQuery(0, 0, dnsName('_services._dns-sd._udp.local'), 12, 0x8001);
    case 'tftp':
      return Buffer.concat([u16(1), Buffer.from('trustlab-probe\0octet\0', 'ascii')]);
    case 'ntp': {
      const b = Buffer.alloc(48);
      b[0] = 0xe3; // LI 3 (unsynchronised), version 4, mode 3 (client)
      return b;
    }
    case 'netbios':
      // NBSTAT for "*": the wildcard name, first-level encoded (RFC 1002 4.1.1, 4.2.17).
      return Buffer.concat([u16(id), u16(0), u16(1), u16(0), u16(0), u16(0), Buffer.from([0x20]), Buffer.from('CK' + 'A'.repeat(30), 'ascii'), Buffer.from([0]), u16(0x21), u16(1)]);
    case 'snmp':
      return snmpGet('public', randomBytes(4).readUInt32BE());
    case 'ssdp':
      return Buffer.from(`M-SEARCH * HTTP/1.1\r\nHOST: ${address.includes(':') ? `[${address}]` : address}:1900\r\nMAN: "ssdp:discover"\r\nMX: 1\r\nST: ssdp:all\r\n\r\n`, 'ascii');
    case 'stun':
      return Buffer.concat([u16(0x0001), u16(0), Buffer.from([0x21, 0x12, 0xa4, 0x42]), randomBytes(12)]);
    case 'sip': {
      const tag = randomBytes(4).toString('hex');
      const host = address.includes(':') ? `[${address}]` : address;
      return Buffer.from([
        `OPTIONS sip:${host} SIP/2.0`, `Via: SIP/2.0/UDP ${host};branch=z9hG4bK${tag}`, 'Max-Forwards: 70',
        `From: <sip:trustlab@${host}>;tag=${tag}`, `To: <sip:${host}>`, `Call-ID: ${tag}@trustlab`, 'CSeq: 1 OPTIONS',
        'Contact: <sip:trustlab@invalid>', 'Accept: application/sdp', 'Content-Length: 0', '', '',
      ].join('\r\n'), 'ascii');
    }
    case 'coap':
      return coapWellKnownCore(id, randomBytes(2));
    case 'dtls':
      return dtlsHello();
    case 'empty':
      return Buffer.alloc(0);
  }
}

/** True when the answer is the probed protocol speaking (so the service can be named after it). */
export function replyMatches(probe: UdpProbeName, reply: Buffer): boolean {
  const text = (): string => reply.toString('latin1');
  switch (probe) {
    case 'dns':
    case 'mdns':
    case 'netbios':
      // A DNS-format response: QR bit set in the flags.
      return reply.length >= 12 && (reply[2]! & 0x80) !== 0;
    case 'tftp':
      return reply.length >= 4 && reply[0] === 0 && reply[1]! >= 1 && reply[1]! <= 6;
    case 'ntp':
      return reply.length >= 48 && (reply[0]! & 0x07) === 4; // mode 4: server
    case 'snmp':
      return reply.length > 2 && reply[0] === 0x30 && reply.includes(0xa2); // a GetResponse PDU
    case 'ssdp':
      return /^HTTP\/1\.\d 200/.test(text());
    case 'stun':
      return reply.length >= 20 && reply.readUInt32BE(4) === 0x2112a442;
    case 'sip':
      return /^SIP\/2\.0 \d{3}/.test(text());
    case 'coap':
      // Version 1, a token of at most 8 bytes, a response class (2.xx success, 4.xx/5.xx errors).
      return reply.length >= 4 + (reply[0]! & 0x0f) && reply[0]! >> 6 === 1 && (reply[0]! & 0x0f) <= 8 && [2, 4, 5].includes(reply[1]! >> 5);
    case 'dtls':
      return reply.length >= 13 && (reply[0] === 22 || reply[0] === 21) && reply[1] === 0xfe;
    case 'empty':
      return false;
  }
}

/** What a CoAP answer to GET /.well-known/core says: its code ("2.05") and resource links. */
export function describeCoapReply(reply: Buffer): { code: string; payload?: string } | undefined {
  if (reply.length < 4 || reply[0]! >> 6 !== 1) return undefined;
  const code = `${reply[1]! >> 5}.${String(reply[1]! & 0x1f).padStart(2, '0')}`;
  const marker = reply.indexOf(0xff, 4 + (reply[0]! & 0x0f));
  return marker >= 0 ? { code, payload: reply.subarray(marker + 1).toString('utf8') } : { code };
}
