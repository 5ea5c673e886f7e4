/**
 * The whole TLS picture of one endpoint: raw-hello enumeration, a node:tls handshake pinned to
 * each version as a second opinion, one default handshake for the negotiated parameters and
 * the certificate chain, and the chain's facts. Also a one-hello test of whether a port
 * speaks TLS at all, for ports the scan could not identify.
 */
import { describeCertificate, namesAddress, chainsTo, parsePemBundle, type CertificateFacts } from './certificate.ts';
import { tlsClientHello } from './client-hello.ts';
import { enumerateTls, type TlsEnumeration } from './enumerate.ts';
import { tlsHandshake, type HandshakeResult } from './handshake.ts';
import { probeHello, type ProbeTarget } from './raw-probe.ts';
import { CIPHER_SUITES, TLS_VERSIONS, type TlsVersion } from './registry.ts';
import { ADAPTER_API_VERSION, type AdapterPlugin } from '../../harness/plugins/types.ts';

/** The TLS adapter's metadata: TLS on any TCP port, and DTLS (ServerHello level) on UDP. */
export const tlsAdapter: AdapterPlugin = {
  apiVersion: ADAPTER_API_VERSION, id: 'tls', version: '1.0.0', title: 'TLS/DTLS probing and certificate facts', protocols: ['tls', 'dtls'],
};

/** One version's verdict from both methods. */
export interface VersionResult {
  version: TlsVersion;
  /** The server selected this version for a raw hello, or a node:tls handshake pinned to it completed. */
  accepted: boolean;
  raw: string;
  /** node:tls pinned to the version (not possible for SSL 3.0 in this runtime). */
  handshake?: { completed: boolean; detail: string };
}

/** Everything known about one TLS endpoint. */
export interface TlsEndpointReport {
  address: string;
  port: number;
  versions: VersionResult[];
  suites: TlsEnumeration['suites'];
  groups: TlsEnumeration['groups'];
  /** What a default client negotiates. */
  negotiated?: { protocol?: string; cipher?: string; group?: string };
  chain: CertificateFacts[];
  chainSource: 'handshake' | 'raw-hello' | 'none';
  /** The leaf names the address used (iPAddress SAN). */
  namesAddress?: boolean;
  /** Chain check against the declared CA; absent when none was declared. */
  chainToCa?: { ok: boolean; path: string[]; why: string; openssl?: string };
  transcripts: TlsEnumeration['transcripts'];
  probes: number;
}

/** Does the port answer a ClientHello like a TLS server (ServerHello or alert)? */
export async function speaksTls(target: ProbeTarget): Promise<boolean> {
  const suites = CIPHER_SUITES.map((s) => s.code);
  const rec = await probeHello(target, tlsClientHello({ version: 0x0303, suites, groups: [29, 23, 24, 25] }));
  return rec.reply.kind === 'hello' || rec.reply.kind === 'alert';
}

function detail(h: HandshakeResult): string {
  return h.completed ? `${h.protocol} ${h.cipher}` : `refused: ${h.error ?? 'unknown'}`;
}

/** Probe one endpoint completely. `caPem` is the CA the lab declared, if any. */
export async function scanTlsEndpoint(target: ProbeTarget, caPem?: string): Promise<TlsEndpointReport> {
  const e = await enumerateTls(target);
  const versions: VersionResult[] = [];
  for (const version of TLS_VERSIONS) {
    const raw = e.versions.find((v) => v.version === version)!;
    const result: VersionResult = { version, accepted: raw.accepted, raw: raw.outcome };
    if (version !== 'SSL 3.0') {
      const h = await tlsHandshake(target, { version });
      result.handshake = { completed: h.completed, detail: detail(h) };
      result.accepted ||= h.completed;
    }
    versions.push(result);
  }
  const best = await tlsHandshake(target, caPem ? { ca: caPem } : {});
  const der = best.chain.length > 0 ? best.chain : e.rawCertificates;
  const report: TlsEndpointReport = {
    address: target.address,
    port: target.port,
    versions,
    suites: e.suites,
    groups: e.groups,
    chain: der.map(describeCertificate),
    chainSource: best.chain.length > 0 ? 'handshake' : e.rawCertificates.length > 0 ? 'raw-hello' : 'none',
    transcripts: e.transcripts,
    probes: e.probes + versions.length,
  };
  if (best.completed) report.negotiated = { protocol: best.protocol, cipher: best.cipher, group: best.group };
  if (der.length > 0) report.namesAddress = namesAddress(der[0]!, target.address);
  if (caPem && der.length > 0) {
    report.chainToCa = chainsTo(der, parsePemBundle(caPem));
    if (best.authorizationError) report.chainToCa.openssl = best.authorizationError;
  }
  return report;
}
