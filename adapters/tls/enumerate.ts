/**
 * What a TLS endpoint accepts, found with raw ClientHellos: each protocol version on its own,
 * the cipher suites of each accepted version (offer all, remove the server's pick, repeat),
 * the TLS 1.3 groups (one group per hello, empty key_share, so the HelloRetryRequest names it),
 * the ECDHE curves of TLS <= 1.2 (from the ServerKeyExchange) and the size of any DHE prime.
 */
import { X509Certificate } from 'node:crypto';
import { tlsClientHello, type HelloSpec } from './client-hello.ts';
import { probeHello, type ProbeRecord, type ProbeTarget } from './raw-probe.ts';
import {
  CIPHER_SUITES, NAMED_GROUPS, TLS_VERSIONS, groupName, suiteKeyExchange, suiteName, versionCode, versionName, type TlsVersion,
} from './registry.ts';
import type { ServerReply } from './server-reply.ts';

/** One version probe: did the server answer with exactly this version? */
export interface VersionProbe {
  version: TlsVersion;
  accepted: boolean;
  /** What the server did: "ServerHello TLS 1.2 TLS_...", "alert protocol_version (70)", "closed". */
  outcome: string;
}

/** Everything the raw probes found on one endpoint. */
export interface TlsEnumeration {
  versions: VersionProbe[];
  /** IANA suite names per accepted version, in the order the server picked them. */
  suites: Partial<Record<TlsVersion, string[]>>;
  groups: { tls13: string[]; ecdhe: string[]; dhBits: number[] };
  /** Leaf-first DER chain from a TLS <= 1.2 hello (in clear there), when one was sent. */
  rawCertificates: Buffer[];
  /** The version probes' bytes, for evidence. */
  transcripts: (ProbeRecord & { label: string })[];
  probes: number;
}

const ALERTS: Record<number, string> = {
  0: 'close_notify', 10: 'unexpected_message', 20: 'bad_record_mac', 40: 'handshake_failure', 42: 'bad_certificate',
  47: 'illegal_parameter', 50: 'decode_error', 51: 'decrypt_error', 70: 'protocol_version', 71: 'insufficient_security',
  80: 'internal_error', 86: 'inappropriate_fallback', 109: 'missing_extension', 110: 'unsupported_extension',
  112: 'unrecognized_name', 115: 'unknown_psk_identity', 120: 'no_application_protocol',
};

/** A one-line account of a reply, for reports. */
export function describeReply(reply: ServerReply): string {
  switch (reply.kind) {
    case 'hello':
      return `${reply.hello.retry ? 'HelloRetryRequest' : 'ServerHello'} ${versionName(reply.hello.version)} ${suiteName(reply.hello.suite)}`;
    case 'alert':
      return `alert ${ALERTS[reply.description] ?? 'unknown'} (${reply.description})`;
    case 'malformed':
      return `not a TLS answer: ${reply.why}`;
    default:
      return reply.kind === 'closed' ? 'connection closed without an answer' : 'no answer before the timeout';
  }
}

// Common groups first: some servers take the first group they share with the client.
const PREFERRED = [29, 23, 24, 25, 30];
const ECDHE_GROUPS = [...PREFERRED, ...NAMED_GROUPS.filter((g) => g.ecdhe && !PREFERRED.includes(g.code)).map((g) => g.code)];
const TLS13_GROUPS = NAMED_GROUPS.filter((g) => g.tls13).map((g) => g.code);
const LEGACY_SUITES = CIPHER_SUITES.filter((s) => !s.tls13).map((s) => s.code);
const TLS13_SUITES = CIPHER_SUITES.filter((s) => s.tls13).map((s) => s.code);

function helloFor(version: TlsVersion, suites: readonly number[], extra: Partial<HelloSpec> = {}): Buffer {
  const code = versionCode(version);
  return tlsClientHello({
    version: code, suites, groups: code === 0x0304 ? TLS13_GROUPS : ECDHE_GROUPS, keyShares: [29], ...extra,
  });
}

const CURVE_CODES: Record<string, number> = { prime256v1: 23, secp384r1: 24, secp521r1: 25 };
function leafCurve(der: Buffer | undefined): number | undefined {
  if (!der) return undefined;
  try {
    const curve = new X509Certificate(der).publicKey.asymmetricKeyDetails?.namedCurve;
    return curve ? CURVE_CODES[curve] : undefined;
  } catch {
    return undefined;
  }
}

const accepted = (r: ServerReply, version: TlsVersion): r is Extract<ServerReply, { kind: 'hello' }> =>
  r.kind === 'hello' && r.hello.version === versionCode(version);

/** Probe every version, enumerate suites and groups. Throws only for scope or socket faults. */
export async function enumerateTls(target: ProbeTarget): Promise<TlsEnumeration> {
  const out: TlsEnumeration = { versions: [], suites: {}, groups: { tls13: [], ecdhe: [], dhBits: [] }, rawCertificates: [], transcripts: [], probes: 0 };
  const probe = async (hello: Buffer): Promise<ServerReply> => {
    out.probes += 1;
    return (await probeHello(target, hello)).reply;
  };

  for (const version of TLS_VERSIONS) {
    out.probes += 1;
    const rec = await probeHello(target, helloFor(version, version === 'TLS 1.3' ? TLS13_SUITES : LEGACY_SUITES));
    out.transcripts.push({ ...rec, label: `${version} probe` });
    const ok = accepted(rec.reply, version);
    out.versions.push({ version, accepted: ok, outcome: describeReply(rec.reply) });
    if (ok && rec.reply.kind === 'hello' && rec.reply.certificates.length > 0 && out.rawCertificates.length === 0) {
      out.rawCertificates = rec.reply.certificates;
    }
  }

  for (const v of out.versions.filter((x) => x.accepted)) {
    const offer = v.version === 'TLS 1.3' ? TLS13_SUITES : LEGACY_SUITES;
    let remaining = [...offer];
    const found: number[] = [];
    while (remaining.length > 0) {
      const reply = await probe(helloFor(v.version, remaining));
      if (!accepted(reply, v.version) || !remaining.includes(reply.hello.suite)) break;
      found.push(reply.hello.suite);
      remaining = remaining.filter((s) => s !== reply.hello.suite);
    }
    out.suites[v.version] = found.map(suiteName);
  }

  if (out.versions.some((v) => v.version === 'TLS 1.3' && v.accepted)) {
    for (const g of TLS13_GROUPS) {
      const reply = await probe(helloFor('TLS 1.3', TLS13_SUITES, { groups: [g], keyShares: [] }));
      if (accepted(reply, 'TLS 1.3') && reply.hello.group === g) out.groups.tls13.push(groupName(g));
    }
  }

  const legacy = [...out.versions].reverse().find((v) => v.accepted && v.version !== 'TLS 1.3');
  if (legacy) {
    const suites = (out.suites[legacy.version] ?? []).map((n) => CIPHER_SUITES.find((s) => s.name === n)!.code);
    const ecdhe = suites.filter((s) => suiteKeyExchange(suiteName(s)).startsWith('ECDHE'));
    if (ecdhe.length > 0) {
      // Under TLS <= 1.2 an ECDSA certificate's own curve must be among the client's groups
      // (RFC 8422 §5.1), so it rides along after the group being tested.
      const certCurve = leafCurve(out.rawCertificates[0]);
      for (const g of ECDHE_GROUPS) {
        const groups = certCurve !== undefined && certCurve !== g ? [g, certCurve] : [g];
        const reply = await probe(helloFor(legacy.version, ecdhe, { groups }));
        if (accepted(reply, legacy.version) && reply.keyExchange?.curve === g) out.groups.ecdhe.push(groupName(g));
      }
    }
    const dhe = suites.filter((s) => suiteKeyExchange(suiteName(s)).startsWith('DHE'));
    if (dhe.length > 0) {
      const reply = await probe(helloFor(legacy.version, dhe));
      if (accepted(reply, legacy.version) && reply.keyExchange?.dhBits !== undefined) out.groups.dhBits.push(reply.keyExchange.dhBits);
    }
  }
  return out;
}
