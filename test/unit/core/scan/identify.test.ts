import http from 'node:http';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { TrustlabError } from '../../../../harness/errors.ts';
import { classifyBanner, identifyTcp, printableBanner } from '../../../../harness/scan/identify.ts';
import { createScopeGuard } from '../../../../harness/scope/guard.ts';

const HOST = '127.66.0.3';
const guard = createScopeGuard(['127.66.0.0/24']);

describe('classifyBanner', () => {
  it.each([
    ['SSH-2.0-dropbear_2020.81\r\n', { service: 'ssh', product: 'dropbear', version: '2020.81' }],
    ['SSH-2.0-OpenSSH_8.9p1 Ubuntu-3ubuntu0.6\r\n', { service: 'ssh', product: 'OpenSSH', version: '8.9p1' }],
    ['SSH-1.99-Cisco-1.25\r\n', { service: 'ssh', product: 'Cisco', version: '1.25' }],
    ['SSH-2.0-libssh\r\n', { service: 'ssh', product: 'libssh', version: undefined }],
    ['220 ProFTPD FTP', { service: 'ftp' }],
    ['220 (vsFTPd 3.0.3)\r\n', { service: 'ftp' }],
    ['220-Welcome to Pure-FTPd\r\n', { service: 'ftp' }],
    ['220 mail.example ESMTP Postfix\r\n', { service: 'smtp-or-ftp' }],
    ['login: ', { service: 'telnet' }],
    ['Username: ', { service: 'telnet' }],
    ['User Name :', { service: 'telnet' }],
    ['\r\nWelcome\r\nlogin: ', { service: 'telnet' }],
    ['random bytes \u0001\u0002', undefined],
    ['HTTP/1.1 400 Bad Request\r\n\r\n', undefined],
    ['', undefined],
  ])('%j -> %j', (text, expected) => {
    expect(classifyBanner(Buffer.from(text, 'latin1'))).toEqual(expected);
  });

  it.each([
    [[0xff, 0xfd, 0x18], { service: 'telnet' }],
    [[0xff, 0xfb, 0x01, 0xff, 0xfb, 0x03], { service: 'telnet' }],
    [[0xff, 0xfe, 0x22], { service: 'telnet' }],
    [[0xff, 0xfc, 0x01], { service: 'telnet' }],
    [[0xff, 0xfa, 0x18], undefined],
    [[0xff, 0xfd], undefined],
    [[0x16, 0x03, 0x01], undefined],
  ])('telnet IAC bytes %j -> %j', (bytes, expected) => {
    expect(classifyBanner(Buffer.from(bytes))).toEqual(expected);
  });
});

describe('printableBanner', () => {
  it.each([
    [Buffer.from('SSH-2.0-x\r\n'), 'SSH-2.0-x\\r\\n'],
    [Buffer.from([0xff, 0xfd, 0x18, 0x41]), '\\xff\\xfd\\x18A'],
    [Buffer.from([0x00, 0x09, 0x7f]), '\\x00\\x09\\x7f'],
  ])('%j -> %s', (b, s) => {
    expect(printableBanner(b)).toBe(s);
  });

  it('bounds the length to 512 source bytes', () => {
    expect(printableBanner(Buffer.alloc(2000, 0x41))).toHaveLength(512);
  });
});

describe.concurrent('identifyTcp against local servers', () => {
  const servers: net.Server[] = [];
  const sockets = new Set<net.Socket>();
  const ports: Record<string, number> = {};

  const listen = async (name: string, server: net.Server): Promise<void> => {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, HOST, resolve);
    });
    server.on('connection', (sock: net.Socket) => {
      sockets.add(sock);
      sock.once('close', () => sockets.delete(sock));
    });
    servers.push(server);
    ports[name] = (server.address() as net.AddressInfo).port;
  };

  beforeAll(async () => {
    await listen('ssh', net.createServer((s) => {
      s.on('error', () => undefined);
      s.write('SSH-2.0-dropbear_2020.81\r\n');
    }));
    await listen('telnet', net.createServer((s) => {
      s.on('error', () => undefined);
      s.write(Buffer.from([0xff, 0xfd, 0x18, 0xff, 0xfd, 0x20, 0xff, 0xfb, 0x01]));
    }));
    await listen('ftp', net.createServer((s) => {
      s.on('error', () => undefined);
      s.write('220 ProFTPD 1.3.5 Server (Camera FTP)\r\n');
    }));
    const web = http.createServer((req, res) => {
      res.setHeader('Server', 'lighttpd/1.4.59');
      res.end(req.method === 'HEAD' ? undefined : 'hello');
    });
    await listen('http', web);
    // Answers anything sent to it with a TLS alert, as a TLS server does to plain HTTP.
    await listen('tls', net.createServer((s) => {
      s.on('error', () => undefined);
      s.once('data', () => s.end(Buffer.from([0x15, 0x03, 0x01, 0x00, 0x02, 0x02, 0x46])));
    }));
    // Says nothing, ever.
    await listen('silent', net.createServer((s) => {
      s.on('error', () => undefined);
    }));
  });
  afterAll(async () => {
    for (const sock of sockets) sock.destroy();
    await Promise.all(servers.map((s) => new Promise<void>((r) => s.close(() => r()))));
  });

  it('names an SSH server from its banner', async () => {
    expect(await identifyTcp(guard, HOST, ports.ssh!)).toEqual({
      transport: 'tcp',
      port: ports.ssh,
      state: 'open',
      service: 'ssh',
      product: 'dropbear',
      version: '2020.81',
      banner: 'SSH-2.0-dropbear_2020.81\\r\\n',
      identifiedBy: 'banner',
    });
  });

  it('names a telnet server from its IAC negotiation', async () => {
    const s = await identifyTcp(guard, HOST, ports.telnet!);
    expect(s).toMatchObject({ service: 'telnet', identifiedBy: 'banner', banner: '\\xff\\xfd\\x18\\xff\\xfd \\xff\\xfb\\x01' });
  });

  it('names an FTP server from its greeting', async () => {
    expect(await identifyTcp(guard, HOST, ports.ftp!)).toMatchObject({ service: 'ftp', identifiedBy: 'banner' });
  });

  it('names a silent HTTP server by probing, with product and version from Server', async () => {
    const s = await identifyTcp(guard, HOST, ports.http!);
    expect(s).toMatchObject({ transport: 'tcp', state: 'open', service: 'http', product: 'lighttpd', version: '1.4.59', identifiedBy: 'probe' });
    expect(s.banner).toMatch(/^HTTP\/1\.1 200 OK\\r\\n/);
  });

  it('names a TLS service from the alert it sends to plain HTTP', async () => {
    expect(await identifyTcp(guard, HOST, ports.tls!)).toMatchObject({ service: 'https', identifiedBy: 'probe' });
  });

  it('leaves a silent service on an unknown port unknown', async () => {
    const s = await identifyTcp(guard, HOST, ports.silent!);
    expect(s).toEqual({ transport: 'tcp', port: ports.silent, state: 'open', service: 'unknown' });
  });

  it('never throws for a closed port', async () => {
    const probe = net.createServer();
    await new Promise<void>((r) => probe.listen(0, HOST, r));
    const port = (probe.address() as net.AddressInfo).port;
    await new Promise((r) => probe.close(r));
    expect(await identifyTcp(guard, HOST, port)).toMatchObject({ port, service: 'unknown' });
  });

  it('refuses an out-of-scope address before any socket is made', async () => {
    const connectSpy = vi.spyOn(net, 'connect');
    try {
      const err = await identifyTcp(guard, '192.0.2.1', 80).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(TrustlabError);
      expect((err as TrustlabError).code).toBe('TL_SCOPE_VIOLATION');
      expect(connectSpy.mock.calls.filter(([o]) => (o as unknown as { host?: string }).host === '192.0.2.1')).toEqual([]);
    } finally {
      connectSpy.mockRestore();
    }
  });
});
