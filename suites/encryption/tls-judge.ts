/**
 * CTM-EN-01 judgements of one TLS endpoint, as pure functions of what the TLS adapter found:
 * the versions it accepts, the suites and groups it negotiates, and its certificate chain.
 * Each returns judgements (item, table entry, clause) that the check turns into findings.
 */
import type { TlsEndpointReport } from '../../adapters/tls/endpoint.ts';
import type { CertificateFacts } from '../../adapters/tls/certificate.ts';
import { certificates, fromEntry, judgeKey, judgeName, tlsCipherSuites, tlsGroups, tlsVersions, type Judgement } from './policy.ts';

/** Every version the endpoint accepted, judged; refused versions need no judgement. */
export function judgeVersions(r: TlsEndpointReport): Judgement[] {
  return r.versions.filter((v) => v.accepted).map((v) => judgeName('tls-versions', tlsVersions.entries, v.version));
}

/** Every suite of every accepted version, every group and every DHE prime size, judged once each. */
export function judgeSuitesAndGroups(r: TlsEndpointReport): Judgement[] {
  const suites = [...new Set(Object.values(r.suites).flat())];
  const groups = [...new Set([...r.groups.tls13, ...r.groups.ecdhe])];
  const dhEntry = tlsGroups.entries.find((e) => e.name === 'dh-prime')!;
  const dh = r.groups.dhBits.map((bits) =>
    fromEntry('tls-groups', dhEntry, `DHE prime of ${bits} bits`, bits < (dhEntry.minBits ?? 0) ? 'disallowed' : 'allowed'));
  return [
    ...suites.map((s) => judgeName('tls-cipher-suites', tlsCipherSuites.entries, s)),
    ...groups.map((g) => judgeName('tls-groups', tlsGroups.entries, g)),
    ...dh,
  ];
}

/** The declared CA as the check could read it. */
export type CaState = { declared: false } | { declared: true; error?: string };

const label = (c: CertificateFacts, i: number): string => (i === 0 ? 'leaf' : `chain[${i}] "${c.subject}"`);

/** Judge the certificate chain at `now`; items that cannot apply are returned as reasons. */
export function judgeCertificate(r: TlsEndpointReport, now: Date, ca: CaState): { judgements: Judgement[]; notApplicable: string[] } {
  const checks = certificates.checks;
  const entry = (c: { id: string; clause: string; why: string }, item: string, status: Judgement['status']): Judgement =>
    ({ item, status, entry: `certificates#${c.id}`, clause: c.clause, why: c.why });
  const notApplicable: string[] = [];
  if (r.chain.length === 0) {
    return { judgements: [{ item: 'certificate', status: 'unknown', why: 'no certificate could be read: no handshake completed and no TLS <= 1.2 Certificate message was seen' }], notApplicable };
  }
  const out: Judgement[] = [];
  // A self-signed certificate after the leaf is a trust anchor: clients rely on it being
  // configured, not on its own signature or dates (RFC 5280 §6.1).
  const relied = r.chain.map((c, i) => ({ c, i })).filter(({ c, i }) => i === 0 || !c.selfSigned);
  for (const { c, i } of relied) {
    const from = Date.parse(c.notBefore);
    const to = Date.parse(c.notAfter);
    const state = now.getTime() < from ? `not valid before ${c.notBefore}` : now.getTime() > to ? `expired ${c.notAfter}` : `valid until ${c.notAfter}`;
    out.push(entry(checks.validity, `${label(c, i)} ${state}`, state.startsWith('valid') ? 'allowed' : 'disallowed'));
    out.push(judgeKey('certificates', certificates.keys, c.keyType, c.keyBits, `${label(c, i)} ${c.keyType.toUpperCase()} ${c.keyBits}-bit key${c.curve ? ` (${c.curve})` : ''}`));
    const sig = judgeName('certificates', certificates.signatureHashes, c.signature.hash);
    out.push({ ...sig, item: `${label(c, i)} signature ${c.signature.name}` });
  }
  out.push(entry(checks.nameMatch, `leaf ${r.namesAddress ? 'names' : 'does not name'} ${r.address} (subjectAltName: ${r.chain[0]!.subjectAltName ?? 'none'})`, r.namesAddress ? 'allowed' : 'disallowed'));
  if (!ca.declared) {
    notApplicable.push(`chain to the declared CA: no CA is declared for this device (declared.tlsCa)${r.chain[0]!.selfSigned ? '; the leaf is self-signed, so clients can trust it only by pinning' : ''}`);
  } else if (ca.error) {
    out.push({ item: 'chain to the declared CA', status: 'unknown', why: `declared.tlsCa could not be read: ${ca.error}` });
  } else if (r.chainToCa) {
    const ok = r.chainToCa.ok;
    out.push(entry(checks.chain, `chain ${ok ? 'leads' : 'does not lead'} to the declared CA (${r.chainToCa.path.join(' <- ')})${ok ? '' : `: ${r.chainToCa.why}`}`, ok ? 'allowed' : 'disallowed'));
  }
  return { judgements: out, notApplicable };
}
