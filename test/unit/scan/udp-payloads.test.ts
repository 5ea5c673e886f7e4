import { describe, expect, it } from 'vitest';
import coapPacket from 'coap-packet';
import { coapWellKnownCore, describeCoapReply, dnsName, replyMatches, snmpGet, udpPayload, type UdpProbeName } from '../../../harness/scan/udp-payloads.ts';
import { DEFAULT_UDP_PORTS, udpProbeEntries, udpProbeFor } from '../../../harness/scan/udp-probes.ts';
import { UDP_ATTEMPTS, udpTimeoutMs, udpVerdict, UDP_TIMEOUTS } from '../../../harness/scan/udp-scanner.ts';
import { RttEstimator } from '../../../harness/scan/rtt.ts';

describe('UDP payload builders', () => {
  it('builds a CoAP GET /.well-known/core that coap-packet parses back', () => {
    const bytes = coapWellKnownCore(0x1234, Buffer.from([0xab, 0xcd]));
    const parsed = coapPacket.parse(bytes);
    expect(parsed.code).toBe('0.01');
    expect(parsed.confirmable).toBe(true);
    expect(parsed.messageId).toBe(0x1234);
    expect(parsed.token).toEqual(Buffer.from([0xab, 0xcd]));
    expect(parsed.options.filter((o) => o.name === 'Uri-Path').map((o) => o.value.toString())).toEqual(['.well-known', 'core']);
  });

  it('encodes DNS names as length-prefixed labels', () => {
    expect(dnsName('version.bind')).toEqual(Buffer.from('\x07version\x04bind\x00', 'latin1'));
    const dns = udpPayload('dns', '127.0.0.1');
    expect(dns.readUInt16BE(4)).toBe(1); // one question
    expect(dns.subarray(dns.length - 4).toString('hex')).toBe('00100003'); // TXT, CHAOS
    const mdns = udpPayload('mdns', '127.0.0.1');
    expect(mdns.subarray(mdns.length - 4).toString('hex')).toBe('000c8001'); // PTR, IN with the unicast-response bit
  });

  it('builds an SNMPv2c GetRequest for sysDescr.0 with a consistent DER length tree', () => {
    const b = snmpGet('public', 0x01020304);
    expect(b[0]).toBe(0x30);
    expect(b[1]).toBe(b.length - 2);
    expect(b.subarray(2, 5).toString('hex')).toBe('020101'); // version 1 = v2c
    expect(b.subarray(5, 13).toString('latin1')).toBe('\x04\x06public');
    expect(b.includes(Buffer.from([0x06, 0x08, 0x2b, 6, 1, 2, 1, 1, 1, 0]))).toBe(true);
    expect(b[13]).toBe(0xa0);
    expect(b[14]).toBe(b.length - 15);
  });

  it('builds NTP client, STUN binding, DTLS ClientHello and SSDP M-SEARCH requests', () => {
    const ntp = udpPayload('ntp', '127.0.0.1');
    expect(ntp.length).toBe(48);
    expect(ntp[0]! & 7).toBe(3);
    const stun = udpPayload('stun', '127.0.0.1');
    expect(stun.readUInt16BE(0)).toBe(1);
    expect(stun.readUInt32BE(4)).toBe(0x2112a442);
    const dtls = udpPayload('dtls', '127.0.0.1');
    expect([dtls[0], dtls[1], dtls[13]]).toEqual([22, 0xfe, 1]); // handshake record, DTLS, ClientHello
    expect(dtls.readUInt16BE(11)).toBe(dtls.length - 13);
    expect(udpPayload('ssdp', '127.0.0.1').toString()).toMatch(/^M-SEARCH \* HTTP\/1\.1\r\nHOST: 127\.0\.0\.1:1900\r\n[\s\S]*\r\n\r\n$/);
    expect(udpPayload('sip', '::1').toString()).toMatch(/^OPTIONS sip:\[::1\] SIP\/2\.0\r\n/);
  });

  it('recognises answers of the probed protocol and not of another', () => {
    const coapReply = coapPacket.generate({ code: '2.05', ack: true, messageId: 1, payload: Buffer.from('</sensors/temp>;rt="temp"') });
    expect(replyMatches('coap', coapReply)).toBe(true);
    expect(describeCoapReply(coapReply)).toEqual({ code: '2.05', payload: '</sensors/temp>;rt="temp"' });
    expect(replyMatches('coap', coapWellKnownCore(1, Buffer.alloc(0)))).toBe(false); // a request is not an answer
    expect(replyMatches('ssdp', Buffer.from('HTTP/1.1 200 OK\r\nSERVER: x\r\n\r\n'))).toBe(true);
    expect(replyMatches('sip', Buffer.from('HTTP/1.1 200 OK\r\n'))).toBe(false);
    const dnsAnswer = Buffer.from(udpPayload('dns', '127.0.0.1'));
    expect(replyMatches('dns', dnsAnswer)).toBe(false);
    dnsAnswer[2] = dnsAnswer[2]! | 0x80;
    expect(replyMatches('dns', dnsAnswer)).toBe(true);
    expect(replyMatches('empty', Buffer.from('x'))).toBe(false);
  });
});

describe('UDP probe table', () => {
  it('covers the IoT UDP ports, each with a known builder and provenance', () => {
    for (const port of [53, 123, 161, 1900, 5353, 5683, 5684]) expect(DEFAULT_UDP_PORTS).toContain(port);
    const builders = new Set<UdpProbeName>(['dns', 'tftp', 'ntp', 'netbios', 'snmp', 'ssdp', 'stun', 'sip', 'mdns', 'coap', 'dtls']);
    for (const e of udpProbeEntries()) {
      expect(builders.has(e.probe), `${e.port}: ${e.probe}`).toBe(true);
      expect(e.source.length, String(e.port)).toBeGreaterThan(4);
      expect(e.why.length, String(e.port)).toBeGreaterThan(4);
      expect(udpPayload(e.probe, '127.0.0.1').length, String(e.port)).toBeGreaterThan(0);
    }
    expect(new Set(DEFAULT_UDP_PORTS).size).toBe(DEFAULT_UDP_PORTS.length);
    expect(udpProbeFor(40000).probe).toBe('empty');
  });
});

describe('UDP state logic', () => {
  const coap = udpProbeFor(5683);
  it.each([
    ['a matching answer', coap, { reply: Buffer.from([0x60, 0x45, 0, 1]) }, { state: 'open', service: 'coap', identifiedBy: 'probe' }],
    ['an answer in another protocol', coap, { reply: Buffer.from('hello') }, { state: 'open', service: 'unknown' }],
    ['ICMP port unreachable', coap, { refused: true }, { state: 'closed' }],
    ['silence on a table port', coap, {}, { state: 'open|filtered', service: 'coap', identifiedBy: 'port' }],
    ['silence on another port', udpProbeFor(40000), {}, { state: 'open|filtered', service: 'unknown' }],
  ] as const)('%s', (_name, entry, outcome, expected) => {
    expect(udpVerdict(entry, outcome)).toEqual(expected);
  });

  it('times out from the RTT with the UDP floor, doubling per attempt up to the ceiling', () => {
    const rtt = new RttEstimator();
    expect(udpTimeoutMs(rtt, 1)).toBe(UDP_TIMEOUTS.initialMs);
    rtt.sample(0.05);
    expect(udpTimeoutMs(rtt, 1)).toBe(UDP_TIMEOUTS.minMs);
    expect(udpTimeoutMs(rtt, 2)).toBe(UDP_TIMEOUTS.minMs * 2);
    expect(udpTimeoutMs(rtt, UDP_ATTEMPTS + 10)).toBe(UDP_TIMEOUTS.maxMs);
    const slow = new RttEstimator();
    slow.sample(400);
    expect(udpTimeoutMs(slow, 1)).toBeGreaterThan(UDP_TIMEOUTS.minMs);
  });
});
