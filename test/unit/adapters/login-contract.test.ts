/**
 * Contract tests of the login adapters against real local servers: the virtual bench's ssh2
 * server, telnet login service, node:http(s) web app, aedes broker, node-coap server, FTP and
 * RTSP services, a node:http digest server and a `ws` WebSocket server. Each outcome
 * (accepted, rejected, locked-out, not-offered) is produced by the server, not assumed.
 */
import { createHash } from 'node:crypto';
import http from 'node:http';
import { WebSocketServer } from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startVirtualDevice, type VirtualDevice } from '../../../harness/virtual-bench/index.ts';
import { startRtsp } from '../../../harness/virtual-bench/rtsp-server.ts';
import { createScopeGuard } from '../../../harness/scope/guard.ts';
import { createBudgetGate } from '../../../harness/scheduler/budget.ts';
import { sshOfferedMethods, sshTryAll } from '../../../adapters/ssh/login.ts';
import { telnetTryAll } from '../../../adapters/telnet/login.ts';
import { httpAuthProbe, httpTryAll } from '../../../adapters/http/auth.ts';
import { mqttConnect, mqttTryAll } from '../../../adapters/mqtt/connect.ts';
import { ANONYMOUS, ftpTryAll } from '../../../adapters/ftp/login.ts';
import { rtspProbe, rtspTryAll } from '../../../adapters/rtsp/describe.ts';
import { coapAudit } from '../../../adapters/coap/access.ts';
import { wsUpgrade } from '../../../adapters/ws/upgrade.ts';

const WEAK = '127.94.1.11';
const HARD = '127.94.1.12';
const EXTRA = '127.94.1.20';
const guard = createScopeGuard(['127.94.1.0/24']);
const budget = createBudgetGate({ maxSockets: 16, attemptsPerSecond: 500 });
const at = (address: string, port: number): { guard: typeof guard; address: string; port: number; budget: typeof budget; timeoutMs: number } => ({ guard, address, port, budget, timeoutMs: 4000 });
const outcomes = (rs: { credential: { password: string }; outcome: string }[]): Record<string, string> => Object.fromEntries(rs.map((r) => [r.credential.password, r.outcome]));
let weak: VirtualDevice;
let hard: VirtualDevice;

beforeAll(async () => {
  [weak, hard] = await Promise.all([
    startVirtualDevice({ id: 'c-weak', address: WEAK, profile: 'weak' }),
    startVirtualDevice({ id: 'c-hard', address: HARD, profile: 'hardened' }),
  ]);
});
afterAll(async () => {
  await Promise.all([weak?.stop(), hard?.stop()]);
});

describe('ssh (ssh2 server)', () => {
  it('reports the offered methods', async () => {
    expect((await sshOfferedMethods(at(WEAK, 2222))).offered).toEqual(['password', 'keyboard-interactive']);
    expect((await sshOfferedMethods(at(HARD, 2222))).offered).toEqual(['publickey']);
  });

  it('finds the password by password and by keyboard-interactive, several tries per connection', async () => {
    const creds = ['a', 'b', 'admin', 'c'].map((password) => ({ username: 'admin', password }));
    for (const method of ['password', 'keyboard-interactive'] as const) {
      const r = await sshTryAll(at(WEAK, 2222), creds, method);
      expect(outcomes(r)).toEqual({ a: 'rejected', b: 'rejected', admin: 'accepted', c: 'rejected' });
      expect(r.find((x) => x.outcome === 'accepted')!.transcript).toContain(`userauth ${method} admin / admin`);
    }
  });

  it('says not-offered where only keys are accepted', async () => {
    const r = await sshTryAll(at(HARD, 2222), [{ username: 'admin', password: 'admin' }]);
    expect(r[0]!.outcome).toBe('not-offered');
  });
});

describe('telnet (BusyBox-like login)', () => {
  it('finds root/xc3511 among failures, reconnecting after the server hangs up', async () => {
    const creds = ['1', '2', '3', '4', 'xc3511', '5'].map((password) => ({ username: 'root', password }));
    const r = await telnetTryAll(at(WEAK, 2323), creds, { connections: 2 });
    expect(outcomes(r)).toEqual({ 1: 'rejected', 2: 'rejected', 3: 'rejected', 4: 'rejected', xc3511: 'accepted', 5: 'rejected' });
    expect(r.find((x) => x.outcome === 'accepted')!.transcript).toContain('BusyBox');
  });
});

describe('http basic and digest', () => {
  it('basic on HTTP and HTTPS', async () => {
    for (const [port, tls] of [[8080, false], [8443, true]] as const) {
      expect((await httpAuthProbe({ ...at(WEAK, port), tls, path: '/admin' })).challenge?.scheme).toBe('basic');
      const r = await httpTryAll({ ...at(WEAK, port), tls, path: '/admin' }, [{ username: 'admin', password: 'x' }, { username: 'admin', password: 'admin' }]);
      expect(outcomes(r)).toEqual({ x: 'rejected', admin: 'accepted' });
    }
  });

  it('digest against a node:http digest server, and not-offered without a challenge', async () => {
    const nonce = 'n0nce';
    const md5 = (s: string): string => createHash('md5').update(s).digest('hex');
    const server = http.createServer((req, res) => {
      const h = req.headers.authorization ?? '';
      const p = Object.fromEntries([...h.matchAll(/(\w+)="?([^",]*)"?/g)].map((m) => [m[1], m[2]]));
      const ok = p.username === 'admin' && p.response === md5(`${md5(`admin:cam:1234`)}:${nonce}:${p.nc}:${p.cnonce}:auth:${md5(`GET:${p.uri}`)}`);
      res.writeHead(ok ? 200 : 401, ok ? {} : { 'WWW-Authenticate': `Digest realm="cam", qop="auth", nonce="${nonce}"` }).end();
    });
    await new Promise<void>((r) => server.listen(18080, EXTRA, r));
    try {
      const r = await httpTryAll({ ...at(EXTRA, 18080), tls: false, path: '/cgi-bin/' }, [{ username: 'admin', password: 'admin' }, { username: 'admin', password: '1234' }]);
      expect(outcomes(r)).toEqual({ admin: 'rejected', 1234: 'accepted' });
      const none = await httpTryAll({ ...at(WEAK, 8080), tls: false, path: '/' }, [{ username: 'admin', password: 'admin' }]);
      expect(none[0]!.outcome).toBe('not-offered');
    } finally {
      server.close();
    }
  });
});

describe('mqtt (aedes)', () => {
  it('anonymous accepted on the weak broker, refused on the hardened one, which then locks', async () => {
    expect((await mqttConnect(at(WEAK, 1883))).outcome).toBe('accepted');
    const t = { ...at(HARD, 8883), tls: true };
    expect(await mqttConnect(t)).toMatchObject({ outcome: 'rejected', code: 5 });
    const r = await mqttTryAll(t, ['a', 'b', 'c', 'd', 'e', 'f', 'g'].map((password) => ({ username: 'device', password })), 1);
    expect(r.slice(0, 5).every((x) => x.outcome === 'rejected' && x.detail.includes('CONNACK 4'))).toBe(true);
    expect(r.slice(5).every((x) => x.outcome === 'locked-out')).toBe(true);
  });
});

describe('ftp (bench FTP service)', () => {
  it('anonymous and credential logins on one control connection', async () => {
    const r = await ftpTryAll(at(WEAK, 2121), [ANONYMOUS, { username: 'admin', password: 'x' }, { username: 'admin', password: 'admin' }]);
    expect(r.map((x) => x.outcome)).toEqual(['accepted', 'rejected', 'accepted']);
    expect(r[2]!.detail).toMatch(/^230/);
  });
});

describe('rtsp', () => {
  it('digest on the weak camera, basic on a basic one, 200 where open', async () => {
    const probe = await rtspProbe(at(WEAK, 8554), '/live');
    expect(probe).toMatchObject({ status: 401, challenge: { scheme: 'digest' } });
    expect(outcomes(await rtspTryAll(at(WEAK, 8554), '/live', probe.challenge!, [{ username: 'admin', password: 'x' }, { username: 'admin', password: 'admin' }]))).toEqual({ x: 'rejected', admin: 'accepted' });
    const target = { deviceId: 'x', address: EXTRA, port: 18554, service: 'rtsp' };
    const basic = await startRtsp({ target, auth: 'basic', users: [{ username: 'admin', password: '9999' }], paths: ['/h264'] });
    const open = await startRtsp({ target: { ...target, port: 18555 }, auth: 'none', users: [], paths: ['/live'] });
    try {
      const b = await rtspProbe(at(EXTRA, 18554), '/h264');
      expect(outcomes(await rtspTryAll(at(EXTRA, 18554), '/h264', b.challenge!, [{ username: 'admin', password: '9999' }]))).toEqual({ 9999: 'accepted' });
      expect((await rtspProbe(at(EXTRA, 18555), '/live')).sdp).toContain('m=video');
    } finally {
      await Promise.all([basic.stop(), open.stop()]);
    }
  });
});

describe('coap (node-coap)', () => {
  it('discovers resources, reads them and writes back without credentials', async () => {
    const audit = await coapAudit({ guard, address: WEAK, port: 5683, timeoutMs: 1000 });
    const config = audit.resources.find((r) => r.path === '/config')!;
    expect(config).toMatchObject({ outcome: 'accepted', read: { code: '2.05' }, write: { code: '2.04' } });
  });
});

describe('ws (ws server)', () => {
  it('accepted without credentials on an open endpoint, rejected where it asks for them', async () => {
    const server = http.createServer();
    const wss = new WebSocketServer({ noServer: true });
    server.on('upgrade', (req, socket, head) => {
      if (req.url === '/ws') wss.handleUpgrade(req, socket, head, (ws) => ws.close());
      else socket.end('HTTP/1.1 401 Unauthorized\r\n\r\n');
    });
    await new Promise<void>((r) => server.listen(18081, EXTRA, r));
    try {
      expect((await wsUpgrade(at(EXTRA, 18081), '/ws')).outcome).toBe('accepted');
      expect((await wsUpgrade(at(EXTRA, 18081), '/secure')).outcome).toBe('rejected');
      expect((await wsUpgrade(at(WEAK, 8080), '/ws')).outcome).toBe('not-offered');
    } finally {
      wss.close();
      server.close();
    }
  });
});
