/**
 * The raw-hello wire format: ClientHellos as a TLS parser reads them, ServerHello and
 * HelloRetryRequest parsing, record reassembly byte by byte, alerts, and what a
 * ServerKeyExchange says about the curve or the DH prime.
 */
import { describe, expect, it } from 'vitest';
import { clientHelloBody, tlsClientHello } from '../../../../adapters/tls/client-hello.ts';
import { TlsReplyReader, parseKeyExchange, parseServerHello } from '../../../../adapters/tls/server-reply.ts';
import { Reader, parseExtensions, uint, vector } from '../../../../adapters/tls/wire.ts';

const HRR = 'cf21ad74e59a6111be1d8c021e65b891c2a211167abb8c5e079e09e2c8a8339c';

function serverHello(legacy: number, suite: number, ext: Buffer[] = [], random = Buffer.alloc(32, 1)): Buffer {
  return Buffer.concat([uint(legacy, 2), random, vector(Buffer.alloc(0), 1), uint(suite, 2), uint(0, 1), vector(Buffer.concat(ext), 2)]);
}
const ext = (type: number, body: Buffer): Buffer => Buffer.concat([uint(type, 2), vector(body, 2)]);
const hs = (type: number, body: Buffer): Buffer => Buffer.concat([uint(type, 1), vector(body, 3)]);
const rec = (type: number, body: Buffer): Buffer => Buffer.concat([uint(type, 1), uint(0x0303, 2), vector(body, 2)]);
const kx = (): string => 'ECDHE_RSA';

describe('ClientHello', () => {
  it('offers the version, suites, groups and TLS 1.3 extensions asked for', () => {
    const body = clientHelloBody({ version: 0x0304, suites: [0x1301, 0x1302], groups: [29, 23], keyShares: [29] });
    const r = new Reader(body);
    expect(r.uint(2)).toBe(0x0303);
    r.bytes(32);
    expect(r.vector(1).length).toBe(32);
    expect(r.vector(2).toString('hex')).toBe('13011302');
    r.vector(1);
    const exts = parseExtensions(r.vector(2));
    expect(exts.get(43)!.toString('hex')).toBe('020304');
    expect(exts.get(10)!.toString('hex')).toBe('0004001d0017');
    const share = exts.get(51)!;
    expect(share.readUInt16BE(2)).toBe(29);
    expect(share.readUInt16BE(4)).toBe(32);
  });

  it('sends an SSL 3.0 hello without extensions in an SSL 3.0 record', () => {
    const record = tlsClientHello({ version: 0x0300, suites: [0x000a] });
    expect(record.subarray(0, 3).toString('hex')).toBe('160300');
    const body = record.subarray(9);
    expect(body.length).toBe(2 + 32 + 1 + 4 + 2);
  });
});

describe('ServerHello parsing', () => {
  it('reads the TLS 1.3 version from supported_versions and the key_share group', () => {
    const info = parseServerHello(serverHello(0x0303, 0x1302, [ext(43, uint(0x0304, 2)), ext(51, Buffer.concat([uint(23, 2), vector(Buffer.alloc(65), 2)]))]));
    expect(info).toMatchObject({ version: 0x0304, suite: 0x1302, retry: false, group: 23 });
  });

  it('recognises a HelloRetryRequest by its random', () => {
    const info = parseServerHello(serverHello(0x0303, 0x1301, [ext(43, uint(0x0304, 2)), ext(51, uint(24, 2))], Buffer.from(HRR, 'hex')));
    expect(info).toMatchObject({ retry: true, group: 24 });
  });

  it('reassembles a TLS 1.2 flight fed one byte at a time, up to ServerHelloDone', () => {
    const ske = Buffer.concat([uint(3, 1), uint(29, 2), vector(Buffer.alloc(32, 9), 1)]);
    const flight = rec(22, Buffer.concat([hs(2, serverHello(0x0303, 0xc02f)), hs(11, vector(vector(Buffer.from('cert'), 3), 3)), hs(12, ske), hs(14, Buffer.alloc(0))]));
    const reader = new TlsReplyReader();
    let reply;
    for (const byte of flight) reply ??= reader.push(Buffer.from([byte]), kx);
    expect(reply).toMatchObject({ kind: 'hello', hello: { version: 0x0303, suite: 0xc02f }, keyExchange: { curve: 29 } });
    expect(reply?.kind === 'hello' && reply.certificates.map((c) => c.toString())).toEqual(['cert']);
  });

  it('returns alerts, garbage and early ends as values', () => {
    expect(new TlsReplyReader().push(rec(21, Buffer.from([2, 70])), kx)).toEqual({ kind: 'alert', level: 2, description: 70 });
    expect(new TlsReplyReader().push(Buffer.from('HTTP/1.1 400 Bad Request\r\n'), kx)).toMatchObject({ kind: 'malformed' });
    const partial = new TlsReplyReader();
    expect(partial.push(rec(22, hs(2, serverHello(0x0301, 0x002f))), kx)).toBeUndefined();
    expect(partial.end('closed', kx)).toMatchObject({ kind: 'hello', hello: { version: 0x0301 } });
    expect(new TlsReplyReader().end('timeout', kx)).toEqual({ kind: 'timeout' });
  });

  it('sizes a DHE prime and reads a PSK-prefixed ECDHE curve', () => {
    const p = Buffer.concat([Buffer.from([0x00, 0x80]), Buffer.alloc(127, 0xff)]);
    const dhe = Buffer.concat([vector(p, 2), vector(Buffer.from([2]), 2), vector(Buffer.alloc(128), 2)]);
    expect(parseKeyExchange(dhe, 'DHE_RSA')).toEqual({ dhBits: 1024 });
    const psk = Buffer.concat([vector(Buffer.from('hint'), 2), uint(3, 1), uint(24, 2)]);
    expect(parseKeyExchange(psk, 'ECDHE_PSK')).toEqual({ curve: 24 });
    expect(parseKeyExchange(Buffer.alloc(0), 'RSA')).toBeUndefined();
  });
});
