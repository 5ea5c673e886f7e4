/**
 * The code points the probes offer: cipher suites and supported groups from the IANA TLS
 * registries (adapters/tls/data), plus the protocol versions. Facts about the wire format,
 * kept apart from policy, which lives with the encryption suite.
 */
import { loadTable } from '../../harness/plugins/policies.ts';
import { hex16 } from './wire.ts';

/** One IANA cipher suite. */
export interface CipherSuite {
  code: number;
  name: string;
  /** True for the five suites only TLS 1.3 negotiates. */
  tls13: boolean;
}

/** One IANA supported group. */
export interface NamedGroup {
  code: number;
  name: string;
  /** A TLS 1.2 ECDHE ServerKeyExchange can name it. */
  ecdhe: boolean;
  /** A TLS 1.3 key_share can use it. */
  tls13: boolean;
}

/** The protocol versions the TLS probe knows, oldest first. */
export const TLS_VERSIONS = ['SSL 3.0', 'TLS 1.0', 'TLS 1.1', 'TLS 1.2', 'TLS 1.3'] as const;
export type TlsVersion = (typeof TLS_VERSIONS)[number];

/** The DTLS versions the DTLS probe knows, oldest first. */
export const DTLS_VERSIONS = ['DTLS 1.0', 'DTLS 1.2', 'DTLS 1.3'] as const;
export type DtlsVersion = (typeof DTLS_VERSIONS)[number];

const VERSION_CODES: Record<TlsVersion | DtlsVersion, number> = {
  'SSL 3.0': 0x0300, 'TLS 1.0': 0x0301, 'TLS 1.1': 0x0302, 'TLS 1.2': 0x0303, 'TLS 1.3': 0x0304,
  'DTLS 1.0': 0xfeff, 'DTLS 1.2': 0xfefd, 'DTLS 1.3': 0xfefc,
};

/** The wire code of a version (RFC 8446 §4.1.2, RFC 9147 §5.3). */
export function versionCode(v: TlsVersion | DtlsVersion): number {
  return VERSION_CODES[v];
}

/** The name of a wire version code, or its hex when unknown. */
export function versionName(code: number): string {
  const hit = (Object.entries(VERSION_CODES) as [string, number][]).find(([, c]) => c === code);
  return hit ? hit[0] : hex16(code);
}

const suiteTable = loadTable<{ version: string; suites: { code: string; name: string; tls13?: boolean }[] }>(
  new URL('./data/cipher-suites.json', import.meta.url),
);
const groupTable = loadTable<{ version: string; groups: { code: number; name: string; ecdhe?: boolean; tls13?: boolean }[] }>(
  new URL('./data/groups.json', import.meta.url),
);

/** Every cipher suite the probe can offer. */
export const CIPHER_SUITES: readonly CipherSuite[] = Object.freeze(
  suiteTable.suites.map((s) => ({ code: Number.parseInt(s.code, 16), name: s.name, tls13: s.tls13 === true })),
);
/** Every supported group the probe can offer. */
export const NAMED_GROUPS: readonly NamedGroup[] = Object.freeze(
  groupTable.groups.map((g) => ({ code: g.code, name: g.name, ecdhe: g.ecdhe === true, tls13: g.tls13 === true })),
);

const suiteByCode = new Map(CIPHER_SUITES.map((s) => [s.code, s]));
const groupByCode = new Map(NAMED_GROUPS.map((g) => [g.code, g]));

/** The IANA name of a cipher suite code, or its hex when the registry copy lacks it. */
export function suiteName(code: number): string {
  return suiteByCode.get(code)?.name ?? `unknown ${hex16(code)}`;
}

/** The IANA name of a group code, or its hex when the registry copy lacks it. */
export function groupName(code: number): string {
  return groupByCode.get(code)?.name ?? `unknown ${hex16(code)}`;
}

/** Key exchange of a TLS <= 1.2 suite, read from its IANA name (TLS_<kx>_WITH_...). */
export function suiteKeyExchange(name: string): string {
  const m = /^TLS_(.+?)_WITH_/.exec(name);
  return m ? m[1]! : 'TLS13';
}

/** Versions the registry tables were loaded at, for evidence. */
export const REGISTRY_VERSIONS = { cipherSuites: suiteTable.version, groups: groupTable.version };
