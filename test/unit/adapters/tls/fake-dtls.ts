/**
 * A scripted DTLS server for tests: answers a ClientHello with a HelloVerifyRequest, the
 * cookie-carrying hello with a ServerHello (or an alert), as RFC 6347 §4.2.1 describes. It picks
 * the first offered suite it supports and honours RFC 7250 raw public keys when told to.
 */
import dgram from 'node:dgram';
import { Reader, parseExtensions, uint, vector } from '../../../../adapters/tls/wire.ts';

/** How the fake server behaves. */
export interface FakeDtlsOptions {
  address: string;
  port: number;
  /** Versions it accepts, as wire codes (0xfeff DTLS 1.0, 0xfefd DTLS 1.2). */
  versions: number[];
  suites: number[];
  rawPublicKey?: boolean;
}

function record(type: number, body: Buffer): Buffer {
  return Buffer.concat([uint(type, 1), uint(0xfefd, 2), uint(0, 2), Buffer.alloc(6), vector(body, 2)]);
}

function handshake(type: number, seq: number, body: Buffer): Buffer {
  return record(22, Buffer.concat([uint(type, 1), uint(body.length, 3), uint(seq, 2), uint(0, 3), uint(body.length, 3), body]));
}

/** Start the fake server; resolves with a stop function. */
export async function startFakeDtls(opts: FakeDtlsOptions): Promise<{ stop(): Promise<void>; hellos: number }> {
  const socket = dgram.createSocket('udp4');
  const state = { hellos: 0 };
  socket.on('message', (msg, rinfo) => {
    state.hellos += 1;
    const r = new Reader(msg);
    r.bytes(13);
    const hs = new Reader(r.bytes(msg.length - 13));
    hs.bytes(12);
    const clientVersion = hs.uint(2);
    hs.bytes(32);
    hs.vector(1);
    const cookie = hs.vector(1);
    const suitesRaw = hs.vector(2);
    hs.vector(1);
    const ext = hs.remaining > 0 ? parseExtensions(hs.vector(2)) : new Map<number, Buffer>();
    const reply = (b: Buffer): void => void socket.send(b, rinfo.port, rinfo.address);
    if (cookie.length === 0) return reply(handshake(3, 0, Buffer.concat([uint(0xfeff, 2), vector(Buffer.from('c00kie'), 1)])));
    const offered: number[] = [];
    for (let i = 0; i < suitesRaw.length; i += 2) offered.push(suitesRaw.readUInt16BE(i));
    // DTLS versions count down: the highest version both know is the numerically smallest.
    const version = opts.versions.filter((v) => v >= clientVersion).sort((a, b) => a - b)[0];
    const suite = offered.find((s) => opts.suites.includes(s));
    if (version === undefined) return reply(record(21, Buffer.from([2, 70])));
    if (suite === undefined) return reply(record(21, Buffer.from([2, 40])));
    const exts: Buffer[] = [];
    const wantsRpk = ext.get(20)?.subarray(1).includes(2) === true;
    if (opts.rawPublicKey && wantsRpk) exts.push(Buffer.concat([uint(20, 2), vector(Buffer.from([2]), 2)]));
    const body = Buffer.concat([uint(version, 2), Buffer.alloc(32, 7), vector(Buffer.alloc(0), 1), uint(suite, 2), uint(0, 1), vector(Buffer.concat(exts), 2)]);
    reply(handshake(2, 1, body));
  });
  await new Promise<void>((resolve) => socket.bind(opts.port, opts.address, () => resolve()));
  return {
    get hellos() {
      return state.hellos;
    },
    stop: () => new Promise<void>((resolve) => socket.close(() => resolve())),
  };
}
