/**
 * Reading what a server sends back to a raw ClientHello: TLS records, handshake messages,
 * the ServerHello (or HelloRetryRequest), and for TLS <= 1.2 the Certificate and
 * ServerKeyExchange that follow in clear. Device behaviour is the result, never an exception:
 * an alert, silence or garbage each have their own kind.
 */
import { Reader, WireError, parseExtensions } from './wire.ts';

/** RFC 8446 §4.1.3: the ServerHello.random that marks a HelloRetryRequest. */
const HRR_RANDOM = Buffer.from('cf21ad74e59a6111be1d8c021e65b891c2a211167abb8c5e079e09e2c8a8339c', 'hex');

/** The parts of a ServerHello (or HelloRetryRequest) a judgement needs. */
export interface ServerHelloInfo {
  /** Negotiated version: supported_versions when present, else the legacy field. */
  version: number;
  suite: number;
  retry: boolean;
  /** key_share group (ServerHello) or selected_group (HelloRetryRequest), TLS 1.3 only. */
  group?: number;
  /** RFC 7250 server_certificate_type chosen by the server, when it sent one. */
  serverCertType?: number;
  extensions: number[];
}

/** A server's answer to one ClientHello. */
export type ServerReply =
  | { kind: 'hello'; hello: ServerHelloInfo; certificates: Buffer[]; keyExchange?: KeyExchangeInfo }
  | { kind: 'alert'; level: number; description: number }
  | { kind: 'closed' }
  | { kind: 'timeout' }
  | { kind: 'malformed'; why: string };

/** What a TLS <= 1.2 ServerKeyExchange says about the ephemeral key. */
export interface KeyExchangeInfo {
  /** named_curve of an (EC)DHE ServerKeyExchange. */
  curve?: number;
  /** Size in bits of the finite-field DH prime p. */
  dhBits?: number;
}

/** Parse a ServerHello body (shared by TLS and DTLS, RFC 8446 §4.1.3 / RFC 5246 §7.4.1.3). */
export function parseServerHello(body: Buffer): ServerHelloInfo {
  const r = new Reader(body);
  const legacy = r.uint(2);
  const random = r.bytes(32);
  r.vector(1);
  const suite = r.uint(2);
  r.uint(1);
  const ext = r.remaining > 0 ? parseExtensions(r.vector(2)) : new Map<number, Buffer>();
  const retry = random.equals(HRR_RANDOM);
  const sv = ext.get(43);
  const info: ServerHelloInfo = { version: sv && sv.length >= 2 ? sv.readUInt16BE(0) : legacy, suite, retry, extensions: [...ext.keys()] };
  const ks = ext.get(51);
  if (ks && ks.length >= 2) info.group = ks.readUInt16BE(0);
  const ct = ext.get(20);
  if (ct && ct.length >= 1) info.serverCertType = ct[0]!;
  return info;
}

/** The certificate list of a TLS <= 1.2 Certificate message (RFC 5246 §7.4.2). */
export function parseCertificateList(body: Buffer): Buffer[] {
  const list = new Reader(new Reader(body).vector(3));
  const out: Buffer[] = [];
  while (list.remaining > 0) out.push(Buffer.from(list.vector(3)));
  return out;
}

/** Curve or DH prime size from a ServerKeyExchange, by the chosen suite's key exchange. */
export function parseKeyExchange(body: Buffer, kx: string): KeyExchangeInfo | undefined {
  const r = new Reader(body);
  // PSK variants put an identity hint first (RFC 4279 §2, RFC 5489 §2).
  if (kx.endsWith('_PSK')) r.vector(2);
  if (kx.startsWith('ECDHE') || kx.startsWith('ECDH_')) {
    const curveType = r.uint(1);
    return curveType === 3 ? { curve: r.uint(2) } : {};
  }
  if (kx.startsWith('DHE') || kx.startsWith('DH_')) {
    const p = r.vector(2);
    let i = 0;
    while (i < p.length && p[i] === 0) i += 1;
    const significant = p.length - i;
    return { dhBits: significant === 0 ? 0 : (significant - 1) * 8 + (32 - Math.clz32(p[i]!)) };
  }
  return undefined;
}

/**
 * Accumulates the bytes of a TLS stream and says when the reply is complete: at an alert, at a
 * TLS 1.3 ServerHello or HelloRetryRequest (the rest is encrypted), or at ServerHelloDone.
 */
export class TlsReplyReader {
  private buf = Buffer.alloc(0);
  private handshake = Buffer.alloc(0);
  private hello: ServerHelloInfo | undefined;
  private certificates: Buffer[] = [];
  private keyExchangeBody: Buffer | undefined;

  /** Feed received bytes; returns the reply once complete, else undefined. */
  push(chunk: Buffer, kxOf: (suite: number) => string): ServerReply | undefined {
    this.buf = Buffer.concat([this.buf, chunk]);
    try {
      while (this.buf.length >= 5) {
        const type = this.buf[0]!;
        if (type !== 21 && type !== 22 && type !== 20) {
          return { kind: 'malformed', why: `record type ${type} where a handshake or alert was expected` };
        }
        const len = this.buf.readUInt16BE(3);
        if (this.buf.length < 5 + len) return undefined;
        const fragment = this.buf.subarray(5, 5 + len);
        this.buf = this.buf.subarray(5 + len);
        if (type === 21) return fragment.length >= 2 ? { kind: 'alert', level: fragment[0]!, description: fragment[1]! } : { kind: 'malformed', why: 'short alert' };
        if (type === 20) return this.result(kxOf);
        this.handshake = Buffer.concat([this.handshake, fragment]);
        const done = this.readMessages(kxOf);
        if (done) return done;
      }
      return undefined;
    } catch (err) {
      if (err instanceof WireError) return { kind: 'malformed', why: err.message };
      throw err;
    }
  }

  /** What was received when the stream ended early: a ServerHello counts even without the rest. */
  end(kind: 'closed' | 'timeout', kxOf: (suite: number) => string): ServerReply {
    return this.hello ? this.result(kxOf) : { kind };
  }

  private readMessages(kxOf: (suite: number) => string): ServerReply | undefined {
    while (this.handshake.length >= 4) {
      const len = this.handshake.readUIntBE(1, 3);
      if (this.handshake.length < 4 + len) return undefined;
      const type = this.handshake[0]!;
      const body = this.handshake.subarray(4, 4 + len);
      this.handshake = this.handshake.subarray(4 + len);
      if (type === 2) {
        this.hello = parseServerHello(body);
        if (this.hello.retry || this.hello.version === 0x0304) return this.result(kxOf);
      } else if (type === 11) {
        this.certificates = parseCertificateList(body);
      } else if (type === 12) {
        this.keyExchangeBody = Buffer.from(body);
      } else if (type === 14) {
        return this.result(kxOf);
      }
    }
    return undefined;
  }

  private result(kxOf: (suite: number) => string): ServerReply {
    if (!this.hello) return { kind: 'malformed', why: 'handshake ended without a ServerHello' };
    const reply: ServerReply = { kind: 'hello', hello: this.hello, certificates: this.certificates };
    if (this.keyExchangeBody) {
      const info = parseKeyExchange(this.keyExchangeBody, kxOf(this.hello.suite));
      if (info) reply.keyExchange = info;
    }
    return reply;
  }
}
