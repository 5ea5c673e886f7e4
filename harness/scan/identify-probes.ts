/**
 * Requests for services that wait for the client to speak (HTTP, TLS, MQTT, RTSP), and what
 * their answers say. A service's conventional port decides which request goes first, so a
 * broker on 1883 is asked in MQTT at once instead of after a banner wait and an HTTP probe.
 */
import { tlsClientHello } from '../../adapters/tls/client-hello.ts';

/** A request identification can send. */
export type ClientFirstProbe = 'http' | 'tls' | 'mqtt' | 'rtsp';

/** What a probe's answer identified. */
export interface ProbeMatch {
  service: string;
  product?: string;
  version?: string;
}

/** Probe order by conventional service; ports without one get GENERIC_ORDER after the banner wait. */
export const PROBE_ORDER: Record<string, readonly ClientFirstProbe[]> = {
  http: ['http', 'tls'],
  https: ['tls', 'http'],
  mqtt: ['mqtt', 'tls'],
  mqtts: ['tls', 'mqtt'],
  rtsp: ['rtsp', 'http'],
};
export const GENERIC_ORDER: readonly ClientFirstProbe[] = ['http', 'tls', 'mqtt'];

/** MQTT 3.1.1 CONNECT, clean session, client id "trustlab-probe", no credentials (OASIS MQTT 3.1.1 3.1). */
export const MQTT_CONNECT = Buffer.from([
  0x10, 0x1a, 0x00, 0x04, 0x4d, 0x51, 0x54, 0x54, 0x04, 0x02, 0x00, 0x3c, 0x00, 0x0e, ...Buffer.from('trustlab-probe'),
]);

/** The bytes a probe sends. */
export function probeRequest(probe: ClientFirstProbe, address: string): Buffer {
  const host = address.includes(':') ? `[${address}]` : address;
  switch (probe) {
    case 'http':
      return Buffer.from(`HEAD / HTTP/1.0\r\nHost: ${host}\r\n\r\n`);
    case 'rtsp':
      return Buffer.from(`OPTIONS rtsp://${host}/ RTSP/1.0\r\nCSeq: 1\r\nUser-Agent: trustlab\r\n\r\n`);
    case 'mqtt':
      return MQTT_CONNECT;
    case 'tls':
      // TLS 1.2 hello with the suites IoT stacks (mbedTLS, wolfSSL, OpenSSL) share, and 1.3 ones.
      return tlsClientHello({ version: 0x0303, suites: [0xc02b, 0xc02f, 0xc02c, 0xc030, 0xc023, 0xc027, 0x009c, 0x002f, 0x0035, 0xc0ae], groups: [29, 23, 24] });
  }
}

function serverHeader(text: string): { product?: string; version?: string } {
  const server = /^server:\s*([^\r\n]+)/im.exec(text)?.[1];
  if (!server) return {};
  const [product, version] = server.split('/', 2);
  return { product: product?.trim(), ...(version ? { version: version.split(' ')[0] } : {}) };
}

/** Classify any answer to any probe: HTTP, RTSP, a TLS record, an MQTT CONNACK. */
export function classifyReply(b: Buffer): ProbeMatch | undefined {
  if (b.length === 0) return undefined;
  const text = b.toString('latin1');
  if (/^HTTP\/\d/.test(text)) return { service: 'http', ...serverHeader(text) };
  if (/^RTSP\/\d/.test(text)) return { service: 'rtsp', ...serverHeader(text) };
  // A TLS record: handshake (ServerHello) or alert, record version 3.x.
  if (b.length >= 5 && (b[0] === 0x16 || b[0] === 0x15) && b[1] === 0x03) return { service: 'tls' };
  // CONNACK: type 2, remaining length 2 (MQTT 3.1.1 3.2).
  if (b.length >= 4 && b[0] === 0x20 && b[1] === 0x02 && b[3]! <= 5) return { service: 'mqtt' };
  return undefined;
}

/** Name a TLS service by its port's convention ("https", "mqtts", "rtsps"), else "tls". */
export function tlsServiceName(hint: string | undefined): string {
  if (hint === 'mqtt' || hint === 'mqtts') return 'mqtts';
  if (hint === 'rtsp') return 'rtsps';
  if (hint === 'http' || hint === 'https' || hint === undefined) return 'https';
  return 'tls';
}
