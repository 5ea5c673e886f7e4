/**
 * Identification by protocol probe against real servers on loopback (127.91.4.1): an aedes
 * MQTT broker, a node:tls server, and (scripted) an RTSP camera; plus the pure classifiers.
 */
import net from 'node:net';
import tls from 'node:tls';
import { Aedes } from 'aedes';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { classifyReply, MQTT_CONNECT, probeRequest, tlsServiceName } from '../../../harness/scan/identify-probes.ts';
import { identifyTcp } from '../../../harness/scan/identify.ts';
import { createScopeGuard } from '../../../harness/scope/guard.ts';
import { selfSignedCertificate } from '../../../harness/virtual-bench/tls-material.ts';

const HOST = '127.91.4.1';
const guard = createScopeGuard(['127.91.4.0/24']);

describe('probe classifiers', () => {
  it.each([
    ['HTTP with Server', 'HTTP/1.1 200 OK\r\nServer: lighttpd/1.4.59\r\n\r\n', { service: 'http', product: 'lighttpd', version: '1.4.59' }],
    ['RTSP', 'RTSP/1.0 200 OK\r\nCSeq: 1\r\nServer: Hipcam RealServer/V1.0\r\n\r\n', { service: 'rtsp', product: 'Hipcam RealServer', version: 'V1.0' }],
    ['a TLS alert', '\x15\x03\x01\x00\x02\x02\x46', { service: 'tls' }],
    ['a TLS ServerHello', '\x16\x03\x03\x00\x31\x02', { service: 'tls' }],
    ['an MQTT CONNACK (accepted)', '\x20\x02\x00\x00', { service: 'mqtt' }],
    ['an MQTT CONNACK (not authorised)', '\x20\x02\x00\x05', { service: 'mqtt' }],
    ['noise', 'hello there', undefined],
  ])('%s', (_n, text, expected) => {
    expect(classifyReply(Buffer.from(text, 'latin1'))).toEqual(expected);
  });

  it('builds a well-formed MQTT CONNECT and TLS ClientHello', () => {
    expect(MQTT_CONNECT[1]).toBe(MQTT_CONNECT.length - 2);
    const hello = probeRequest('tls', HOST);
    expect([hello[0], hello[1], hello[5]]).toEqual([0x16, 0x03, 0x01]);
    expect(hello.readUInt16BE(3)).toBe(hello.length - 5);
    expect(probeRequest('rtsp', HOST).toString()).toMatch(/^OPTIONS rtsp:\/\/127\.91\.4\.1\/ RTSP\/1\.0\r\nCSeq: 1\r\n/);
    expect([tlsServiceName('mqtt'), tlsServiceName('https'), tlsServiceName(undefined), tlsServiceName('rtsp')]).toEqual(['mqtts', 'https', 'https', 'rtsps']);
  });
});

describe('identifyTcp by protocol probe on real servers', () => {
  const servers: net.Server[] = [];
  const sockets = new Set<net.Socket>();
  const ports: Record<string, number> = {};
  let broker: Aedes;

  const listen = async (name: string, server: net.Server, port = 0): Promise<void> => {
    server.on('connection', (s: net.Socket) => {
      sockets.add(s);
      s.on('error', () => undefined);
      s.once('close', () => sockets.delete(s));
    });
    await new Promise<void>((resolve) => server.listen(port, HOST, resolve));
    servers.push(server);
    ports[name] = (server.address() as net.AddressInfo).port;
  };

  beforeAll(async () => {
    broker = await Aedes.createBroker();
    await listen('mqtt', net.createServer(broker.handle));
    const material = await selfSignedCertificate('probe.test', HOST, { bits: 2048, expired: false });
    const tlsServer = tls.createServer({ key: material.keyPem, cert: material.certPem });
    tlsServer.on('tlsClientError', () => undefined);
    await listen('tls', tlsServer);
    await listen('rtsp', net.createServer((s) => s.once('data', (d) => {
      if (String(d).startsWith('OPTIONS')) s.end('RTSP/1.0 200 OK\r\nCSeq: 1\r\nServer: GStreamer RTSP server\r\nPublic: OPTIONS, DESCRIBE\r\n\r\n');
    })), 554);
  }, 20_000);
  afterAll(async () => {
    for (const s of sockets) s.destroy();
    await Promise.all(servers.map((s) => new Promise<void>((r) => s.close(() => r()))));
    await new Promise<void>((r) => broker.close(() => r()));
  });

  it('names an MQTT broker on an unknown port from its CONNACK', async () => {
    expect(await identifyTcp(guard, HOST, ports.mqtt!)).toMatchObject({ service: 'mqtt', identifiedBy: 'probe', banner: ' \\x02\\x00\\x00' });
  });

  it('names a TLS server from its answer to a ClientHello', async () => {
    expect(await identifyTcp(guard, HOST, ports.tls!)).toMatchObject({ service: 'https', identifiedBy: 'probe' });
  });

  it('asks RTSP first on the RTSP port and names the server from its answer', async () => {
    expect(await identifyTcp(guard, HOST, ports.rtsp!)).toMatchObject({ port: 554, service: 'rtsp', product: 'GStreamer RTSP server', identifiedBy: 'probe' });
  });
});
