import net from 'node:net';
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { TrustlabError } from '../../../../harness/errors.ts';
import { createScopeGuard, guardedConnect, scopeFromAddresses, scopeRefusedChannel } from '../../../../harness/scope/guard.ts';

const HOST = '127.66.0.1';

function scopeError(fn: () => unknown): TrustlabError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(TrustlabError);
    return err as TrustlabError;
  }
  throw new Error('expected a scope error');
}

describe('createScopeGuard: allows', () => {
  const guard = createScopeGuard(['10.20.0.0/16', '192.168.7.9', '127.66.0.0/24', 'fd00:66::/64', '::1', '2001:db8::5/128']);

  it.each([
    ['10.20.0.0', true, 'first address of a /16'],
    ['10.20.255.255', true, 'last address of a /16'],
    ['10.19.255.255', false, 'just below the range'],
    ['10.21.0.0', false, 'just above the range'],
    ['192.168.7.9', true, 'a single IPv4 address'],
    ['192.168.7.8', false, 'its neighbour below'],
    ['192.168.7.10', false, 'its neighbour above'],
    ['127.66.0.255', true, 'end of the loopback /24'],
    ['127.66.1.0', false, 'past the loopback /24'],
    ['127.0.0.1', false, 'other loopback addresses are not implied'],
    ['fd00:66::', true, 'first address of an IPv6 /64'],
    ['fd00:66::ffff:ffff:ffff:ffff', true, 'last address of an IPv6 /64'],
    ['fd00:67::', false, 'the next IPv6 /64'],
    ['FD00:66::1', true, 'upper-case IPv6'],
    ['::1', true, 'IPv6 loopback listed alone'],
    ['::2', false, 'next to ::1'],
    ['2001:db8::5', true, 'single IPv6 /128'],
    ['2001:db8::6', false, 'next to the /128'],
    ['::ffff:127.66.0.7', true, 'IPv4-mapped form of an in-scope address (same host)'],
    ['::ffff:192.0.2.1', false, 'IPv4-mapped form of an out-of-scope address'],
    ['::ffff:10.19.0.1', false, 'IPv4-mapped, just outside'],
    ['192.0.2.1', false, 'documentation address'],
    ['0.0.0.0', false, 'unspecified'],
    ['255.255.255.255', false, 'broadcast'],
  ])('%s -> %s (%s)', (address, expected) => {
    expect(guard.allows(address)).toBe(expected);
    if (expected) expect(() => guard.assertInScope(address)).not.toThrow();
    else expect(scopeError(() => guard.assertInScope(address)).code).toBe('TL_SCOPE_VIOLATION');
  });

  it.each([
    'localhost',
    'example.com',
    'device.local',
    '',
    ' 127.66.0.1',
    '127.66.0.1 ',
    '0127.66.0.1',
    '127.66.0.01',
    '127.66.0.1/32',
    '2130706433',
    '0x7f420001',
    '127.66.1',
  ])('refuses the non-literal %j without resolving it', (name) => {
    expect(guard.allows(name)).toBe(false);
    const err = scopeError(() => guard.assertInScope(name, 'probe'));
    expect(err.code).toBe('TL_SCOPE_VIOLATION');
    expect(err.exitCode).toBe(3);
    expect(err.message).toContain('refused to probe');
  });

  it('names the non-literal and says names are never resolved', () => {
    const err = scopeError(() => guard.assertInScope('printer.lan'));
    expect(err.message).toMatch(/"printer\.lan" is not an IP literal/);
    expect(err.message).toContain('no packet was sent');
  });

  it('names the scope when an address is outside it', () => {
    const err = scopeError(() => guard.assertInScope('192.0.2.1'));
    expect(err.message).toContain('192.0.2.1 is outside network.scope [10.20.0.0/16, 192.168.7.9');
  });

  it('keeps its entries frozen', () => {
    expect(guard.entries).toEqual(['10.20.0.0/16', '192.168.7.9', '127.66.0.0/24', 'fd00:66::/64', '::1', '2001:db8::5/128']);
    expect(Object.isFrozen(guard.entries)).toBe(true);
    expect(Object.isFrozen(guard)).toBe(true);
  });
});

describe('createScopeGuard: entries', () => {
  it.each([
    ['10.0.0.0/33'],
    ['10.0.0.0/-1'],
    ['10.0.0.0/'],
    ['10.0.0.0/8/8'],
    ['10.0.0.0/x'],
    ['10.0.0.0/ 8'],
    ['fd00::/129'],
    ['300.1.1.1'],
    ['10.0.0'],
    ['lab-net'],
    ['localhost/8'],
    [''],
    ['/24'],
  ])('refuses %j with TL_SCOPE_INVALID', (entry) => {
    const err = scopeError(() => createScopeGuard([entry]));
    expect(err.code).toBe('TL_SCOPE_INVALID');
    expect(err.exitCode).toBe(3);
  });

  it('masks host bits of a CIDR (10.0.0.5/24 covers 10.0.0.0-255)', () => {
    const g = createScopeGuard(['10.0.0.5/24']);
    expect(g.allows('10.0.0.0')).toBe(true);
    expect(g.allows('10.0.0.255')).toBe(true);
    expect(g.allows('10.0.1.0')).toBe(false);
  });

  it('accepts prefix 0 and the full-length prefix', () => {
    expect(createScopeGuard(['10.0.0.1/32']).allows('10.0.0.1')).toBe(true);
    expect(createScopeGuard(['10.0.0.1/32']).allows('10.0.0.2')).toBe(false);
    expect(createScopeGuard(['0.0.0.0/0']).allows('203.0.113.7')).toBe(true);
  });

  it('allows nothing with an empty scope', () => {
    const g = createScopeGuard([]);
    for (const a of ['127.0.0.1', '::1', '10.0.0.1']) expect(g.allows(a)).toBe(false);
  });
});

describe('scopeFromAddresses', () => {
  it.each([
    [['127.66.0.5'], '127.66.0.5', true],
    [['127.66.0.5'], '127.66.0.4', false],
    [['127.66.0.5'], '127.66.0.6', false],
    [['fd00::5'], 'fd00::5', true],
    [['fd00::5'], 'fd00::4', false],
    [['10.1.0.0/16', '127.66.0.5'], '10.1.200.3', true],
    [['10.1.0.0/16', '127.66.0.5'], '10.2.0.1', false],
  ])('%j allows %s: %s', (addresses, address, expected) => {
    expect(scopeFromAddresses(addresses).allows(address)).toBe(expected);
  });

  it('makes single addresses host routes', () => {
    expect(scopeFromAddresses(['127.66.0.5', 'fd00::5']).entries).toEqual(['127.66.0.5/32', 'fd00::5/128']);
  });

  it('refuses a host name given on the command line', () => {
    expect(scopeError(() => scopeFromAddresses(['camera.local'])).code).toBe('TL_SCOPE_INVALID');
  });
});

describe('guardedConnect', () => {
  let server: net.Server;
  let port: number;
  beforeAll(async () => {
    server = net.createServer((s) => s.end('hello'));
    await new Promise<void>((resolve) => server.listen(0, HOST, resolve));
    port = (server.address() as net.AddressInfo).port;
  });
  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
  });
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it.each(['192.0.2.1', '127.66.1.1', '::ffff:192.0.2.1', 'example.com'])(
    'refuses %s before any socket is made, and publishes the refusal',
    (host) => {
      const connectSpy = vi.spyOn(net, 'connect');
      const createSpy = vi.spyOn(net, 'createConnection');
      const protoSpy = vi.spyOn(net.Socket.prototype, 'connect');
      const seen: unknown[] = [];
      const onRefused = (msg: unknown): void => {
        seen.push(msg);
      };
      subscribe('trustlab:scope:refused', onRefused);
      try {
        const guard = createScopeGuard(['127.66.0.0/24']);
        const err = scopeError(() => guardedConnect(guard, { host, port: 80, timeoutMs: 10 }));
        expect(err.code).toBe('TL_SCOPE_VIOLATION');
        expect(err.message).toContain('connect to port 80');
      } finally {
        unsubscribe('trustlab:scope:refused', onRefused);
      }
      expect(connectSpy).not.toHaveBeenCalled();
      expect(createSpy).not.toHaveBeenCalled();
      expect(protoSpy).not.toHaveBeenCalled();
      expect(seen).toEqual([{ address: host, purpose: 'connect to port 80' }]);
    },
  );

  it('publishes on the exported channel object too', () => {
    expect(scopeRefusedChannel.name).toBe('trustlab:scope:refused');
  });

  it('connects to an in-scope local server', async () => {
    // The same spies as the refusal cases: proves they do see a real connect.
    const connectSpy = vi.spyOn(net, 'connect');
    const protoSpy = vi.spyOn(net.Socket.prototype, 'connect');
    const seen: unknown[] = [];
    const onRefused = (msg: unknown): void => {
      seen.push(msg);
    };
    subscribe('trustlab:scope:refused', onRefused);
    let remote: string | undefined;
    try {
      const socket = guardedConnect(createScopeGuard(['127.66.0.0/24']), { host: HOST, port, timeoutMs: 2000 });
      const received = await new Promise<string>((resolve, reject) => {
        let text = '';
        socket.setEncoding('utf8');
        socket.on('connect', () => (remote = socket.remoteAddress));
        socket.on('data', (d: string) => (text += d));
        socket.on('end', () => resolve(text));
        socket.on('error', reject);
      });
      socket.destroy();
      expect(received).toBe('hello');
      expect(remote).toBe(HOST);
      expect(socket.timeout).toBe(2000);
    } finally {
      unsubscribe('trustlab:scope:refused', onRefused);
    }
    expect(connectSpy).toHaveBeenCalledTimes(1);
    expect(protoSpy).toHaveBeenCalledTimes(1);
    expect(seen).toEqual([]);
  });
});
