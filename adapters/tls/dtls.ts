/**
 * DTLS probing without a DTLS library: a ClientHello, the HelloVerifyRequest cookie round
 * trip (RFC 6347 §4.2.1) and the ServerHello are plain bytes, and they carry everything CTM-EN-04
 * asks for: which DTLS versions the server selects, and its mode (RFC 7252 §9: pre-shared key,
 * raw public key, certificate), read from the suite it picks and the server_certificate_type it
 * answers (RFC 7250). No handshake is completed, so the certificate itself is not verified.
 */
import { dtlsClientHello, type HelloSpec } from './client-hello.ts';
import { openDatagram, type DatagramTarget } from './datagram.ts';
import { CIPHER_SUITES, DTLS_VERSIONS, suiteName, versionCode, versionName, type DtlsVersion } from './registry.ts';
import { parseServerHello, type ServerHelloInfo } from './server-reply.ts';
import { Reader, WireError } from './wire.ts';

/** A server's answer to one DTLS ClientHello. */
export type DtlsReply =
  | { kind: 'hello'; hello: ServerHelloInfo; cookieExchange: boolean }
  | { kind: 'alert'; description: number }
  | { kind: 'timeout' | 'refused' }
  | { kind: 'malformed'; why: string };

/** Handshake messages and alerts in one datagram (records of RFC 6347 §4.1). */
export function parseDtlsDatagram(data: Buffer): { handshakes: { type: number; body: Buffer }[]; alert?: number } {
  const out: { handshakes: { type: number; body: Buffer }[]; alert?: number } = { handshakes: [] };
  const r = new Reader(data);
  while (r.remaining >= 13) {
    const type = r.uint(1);
    r.bytes(10);
    const fragment = new Reader(r.vector(2));
    if (type === 21 && fragment.remaining >= 2) {
      fragment.uint(1);
      out.alert = fragment.uint(1);
    } else if (type === 22) {
      while (fragment.remaining >= 12) {
        const msgType = fragment.uint(1);
        fragment.bytes(3 + 2 + 3);
        out.handshakes.push({ type: msgType, body: fragment.vector(3) });
      }
    }
  }
  return out;
}

/** Send one DTLS ClientHello (answering a cookie request once) and read the server's choice. */
export async function dtlsHello(target: DatagramTarget, spec: Omit<HelloSpec, 'cookie'>): Promise<DtlsReply> {
  const ex = await openDatagram(target);
  try {
    let cookie: Buffer | undefined;
    for (let flight = 0; flight < 2; flight += 1) {
      const record = dtlsClientHello(cookie ? { ...spec, cookie } : spec, flight, flight);
      ex.send(record);
      let answer = await ex.next();
      // One retransmission of the flight (RFC 6347 §4.2.4): a lost datagram is not an answer.
      if (answer.kind === 'timeout') {
        ex.send(record);
        answer = await ex.next();
      }
      if (answer.kind !== 'datagram') return { kind: answer.kind };
      const parsed = parseDtlsDatagram(answer.data);
      if (parsed.alert !== undefined) return { kind: 'alert', description: parsed.alert };
      const hvr = parsed.handshakes.find((h) => h.type === 3);
      if (hvr && !cookie) {
        const body = new Reader(hvr.body);
        body.uint(2);
        cookie = Buffer.from(body.vector(1));
        continue;
      }
      const sh = parsed.handshakes.find((h) => h.type === 2);
      if (sh) return { kind: 'hello', hello: parseServerHello(sh.body), cookieExchange: cookie !== undefined };
      return { kind: 'malformed', why: 'no ServerHello, HelloVerifyRequest or alert in the answer' };
    }
    return { kind: 'malformed', why: 'a second HelloVerifyRequest after the cookie was returned' };
  } catch (err) {
    if (err instanceof WireError) return { kind: 'malformed', why: err.message };
    throw err;
  } finally {
    ex.close();
  }
}

/** What the DTLS probes found on one UDP port. */
export interface DtlsEndpointReport {
  port: number;
  /** "dtls" when any probe got a ServerHello or an alert back. */
  answered: 'dtls' | 'silent' | 'refused' | 'not-dtls';
  versions: { version: DtlsVersion; accepted: boolean; outcome: string }[];
  /** RFC 7252 §9 security modes the server accepts (determined at DTLS <= 1.2). */
  modes: { psk: boolean; certificate: boolean; rawPublicKey: boolean };
  /** The suite the server chose in each mode probe. */
  modeSuites: Record<string, string>;
  cookieExchange: boolean;
}

const LEGACY = CIPHER_SUITES.filter((s) => !s.tls13);
const isPsk = (name: string): boolean => /_PSK_|^TLS_PSK_/.test(name);
const PSK_SUITES = LEGACY.filter((s) => isPsk(s.name)).map((s) => s.code);
const CERT_SUITES = LEGACY.filter((s) => !isPsk(s.name) && !s.name.includes('_anon_') && !s.name.startsWith('TLS_NULL_') && !s.name.startsWith('TLS_SRP_')).map((s) => s.code);
const TLS13 = CIPHER_SUITES.filter((s) => s.tls13).map((s) => s.code);
const GROUPS = [29, 23, 24, 25];

function describe(reply: DtlsReply): string {
  if (reply.kind === 'hello') return `ServerHello ${versionName(reply.hello.version)} ${suiteName(reply.hello.suite)}`;
  if (reply.kind === 'alert') return `alert ${reply.description}`;
  return reply.kind === 'malformed' ? `not DTLS: ${reply.why}` : reply.kind;
}

/** Probe DTLS versions and modes on a UDP port. Throws only for scope or socket faults. */
export async function scanDtlsEndpoint(target: DatagramTarget): Promise<DtlsEndpointReport> {
  const report: DtlsEndpointReport = { port: target.port, answered: 'silent', versions: [], modes: { psk: false, certificate: false, rawPublicKey: false }, modeSuites: {}, cookieExchange: false };
  const seen: DtlsReply['kind'][] = [];
  for (const version of DTLS_VERSIONS) {
    const code = versionCode(version);
    const reply = await dtlsHello(target, { version: code, suites: version === 'DTLS 1.3' ? TLS13 : [...PSK_SUITES, ...CERT_SUITES], groups: GROUPS, keyShares: [29] });
    seen.push(reply.kind);
    if (reply.kind === 'hello' && reply.cookieExchange) report.cookieExchange = true;
    report.versions.push({ version, accepted: reply.kind === 'hello' && reply.hello.version === code, outcome: describe(reply) });
  }
  report.answered = seen.includes('hello') || seen.includes('alert') ? 'dtls' : seen.includes('malformed') ? 'not-dtls' : seen.every((k) => k === 'refused') ? 'refused' : 'silent';
  const legacy = [...report.versions].reverse().find((v) => v.accepted && v.version !== 'DTLS 1.3');
  if (!legacy) return report;
  const code = versionCode(legacy.version);
  const mode = async (label: string, suites: number[], certTypes?: number[]): Promise<ServerHelloInfo | undefined> => {
    const reply = await dtlsHello(target, { version: code, suites, groups: GROUPS, ...(certTypes ? { serverCertTypes: certTypes } : {}) });
    if (reply.kind !== 'hello' || reply.hello.version !== code) return undefined;
    report.modeSuites[label] = suiteName(reply.hello.suite);
    return reply.hello;
  };
  report.modes.psk = (await mode('psk', PSK_SUITES)) !== undefined;
  report.modes.certificate = (await mode('certificate', CERT_SUITES)) !== undefined;
  // RFC 7250 §4.2: a server that does not know raw public keys ignores the extension.
  report.modes.rawPublicKey = (await mode('raw-public-key', CERT_SUITES, [2]))?.serverCertType === 2;
  return report;
}
