/**
 * The SSH audit probe: banner and KEXINIT parsing on fixed bytes (pre-banner lines, junk,
 * fragments), and a contract test against ssh2 servers (the bench's legacy and modern SSH):
 * every algorithm the server is configured to offer is read back, and its host keys are fetched
 * without any login.
 */
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scopeFromAddresses } from '../../../../harness/scope/guard.ts';
import { startSsh } from '../../../../harness/virtual-bench/ssh-server.ts';
import type { RunningService } from '../../../../harness/virtual-bench/lifecycle.ts';
import { parseKexInit, probeKexInit, takeBannerAndPacket } from '../../../../adapters/ssh/kexinit.ts';
import { describeKeyBlob, fetchHostKeys } from '../../../../adapters/ssh/host-keys.ts';

const ADDR = '127.79.7.1';
const guard = scopeFromAddresses(['127.79.7.0/24']);
const firmware = { hostname: 'dev', serial: 'SN1' };

function kexinitPayload(lists: string[]): Buffer {
  const parts = [Buffer.from([20]), Buffer.alloc(16, 0xaa)];
  for (const l of lists) {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(l.length);
    parts.push(len, Buffer.from(l));
  }
  parts.push(Buffer.from([0, 0, 0, 0, 0]));
  return Buffer.concat(parts);
}
function packet(payload: Buffer): Buffer {
  const padding = 4;
  const len = Buffer.alloc(4);
  len.writeUInt32BE(payload.length + padding + 1);
  return Buffer.concat([len, Buffer.from([padding]), payload, Buffer.alloc(padding)]);
}
const TEN = ['curve25519-sha256,diffie-hellman-group1-sha1', 'ssh-ed25519', 'aes128-ctr', 'aes128-cbc', 'hmac-sha2-256', 'hmac-md5', 'none', 'none', '', ''];

describe('KEXINIT parsing', () => {
  it('splits the ten name-lists', () => {
    const k = parseKexInit(kexinitPayload(TEN));
    expect(k.kex).toEqual(['curve25519-sha256', 'diffie-hellman-group1-sha1']);
    expect([k.cipherClientToServer, k.cipherServerToClient, k.macServerToClient, k.languagesClientToServer]).toEqual([['aes128-ctr'], ['aes128-cbc'], ['hmac-md5'], []]);
    expect(() => parseKexInit(Buffer.from([21]))).toThrow(/not SSH_MSG_KEXINIT/);
    expect(() => parseKexInit(kexinitPayload(['a']))).toThrow(/ends inside/);
  });

  it('takes the banner after other lines and waits for a whole packet', () => {
    const bytes = Buffer.concat([Buffer.from('welcome\r\nSSH-2.0-dropbear_2022.83\r\n'), packet(kexinitPayload(TEN))]);
    expect(takeBannerAndPacket(bytes.subarray(0, 40))).toEqual({ need: true });
    const got = takeBannerAndPacket(bytes);
    expect('banner' in got && got.banner).toBe('SSH-2.0-dropbear_2022.83');
    expect(takeBannerAndPacket(Buffer.from('HTTP/1.1 400 Bad\r\n\x00\x01\r\n'))).toMatchObject({ notSsh: expect.any(String) });
  });

  it('sizes RSA host keys from their blob', () => {
    const str = (b: Buffer): Buffer => Buffer.concat([Buffer.from([0, 0, 0, b.length]), b]);
    const n = Buffer.concat([Buffer.from([0x00, 0xc0]), Buffer.alloc(127, 1)]);
    const blob = Buffer.concat([str(Buffer.from('ssh-rsa')), str(Buffer.from([1, 0, 1])), Buffer.from([0, 0, 0, n.length]), n]);
    expect(describeKeyBlob(blob)).toEqual({ keyType: 'ssh-rsa', bits: 1024 });
  });
});

describe('probeKexInit and fetchHostKeys (ssh2 servers)', () => {
  const services: RunningService[] = [];
  let silent: net.Server;
  beforeAll(async () => {
    const common = { firmware, passwordUsers: [{ username: 'a', password: 'b' }], keyboardInteractive: false, authorizedKeys: [] };
    services.push(await startSsh({ ...common, target: { deviceId: 'legacy', address: ADDR, port: 12222, service: 'ssh' }, ident: 'dropbear_2014.63', legacyAlgorithms: true }));
    services.push(await startSsh({ ...common, target: { deviceId: 'modern', address: ADDR, port: 12223, service: 'ssh' }, ident: 'OpenSSH_9.6', legacyAlgorithms: false }));
    silent = net.createServer((s) => s.on('error', () => undefined).resume());
    await new Promise<void>((r) => silent.listen(12224, ADDR, () => r()));
  });
  afterAll(async () => {
    await Promise.all(services.map((s) => s.stop()));
    await new Promise((r) => silent.close(r));
  });

  it('reads the legacy server banner and every algorithm it offers', async () => {
    const r = await probeKexInit({ guard, address: ADDR, port: 12222 });
    expect(r.kind).toBe('kexinit');
    if (r.kind !== 'kexinit') return;
    expect(r.banner).toBe('SSH-2.0-dropbear_2014.63');
    expect(r.kexinit.kex).toEqual(expect.arrayContaining(['diffie-hellman-group1-sha1', 'diffie-hellman-group14-sha1']));
    expect(r.kexinit.hostKey).toEqual(expect.arrayContaining(['ssh-ed25519', 'ssh-rsa']));
    expect(r.kexinit.cipherServerToClient).toEqual(expect.arrayContaining(['3des-cbc', 'aes128-cbc']));
    expect(r.kexinit.macClientToServer).toContain('hmac-md5');
    const keys = await fetchHostKeys({ guard, address: ADDR, port: 12222 }, r.kexinit.hostKey);
    expect(keys.map((k) => [k.algorithm, k.keyType, k.bits])).toEqual([['ssh-ed25519', 'ssh-ed25519', 256], ['rsa-sha2-512', 'ssh-rsa', 2048]]);
    expect(keys[0]!.fingerprint).toMatch(/^SHA256:[A-Za-z0-9+/]{43}$/);
  });

  it('reads a modern server without legacy algorithms', async () => {
    const r = await probeKexInit({ guard, address: ADDR, port: 12223 });
    expect(r.kind === 'kexinit' && r.kexinit.kex.some((k) => k.endsWith('-sha1'))).toBe(false);
    expect(r.kind === 'kexinit' && r.kexinit.hostKey).toEqual(['ssh-ed25519']);
  });

  it('reports silence, a closed port and an out-of-scope address as such', async () => {
    expect(await probeKexInit({ guard, address: ADDR, port: 12224, timeoutMs: 300 })).toEqual({ kind: 'timeout' });
    await expect(probeKexInit({ guard, address: ADDR, port: 12299 })).rejects.toMatchObject({ code: 'TL_TRANSPORT' });
    await expect(probeKexInit({ guard, address: '127.80.0.1', port: 22 })).rejects.toMatchObject({ code: 'TL_SCOPE_VIOLATION' });
  });
});
