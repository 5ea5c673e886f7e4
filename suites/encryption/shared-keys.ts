/**
 * CTM-EN-05: two units of one model must not share a private key. The public halves are
 * compared: the leaf certificate's SubjectPublicKeyInfo on every TLS endpoint and every SSH
 * host key, on this device and on each unit in device.samples (same ports). Equal public keys
 * mean one private key. A sample that cannot be reached leaves the comparison inconclusive.
 */
import type { CheckContext, CheckResult } from '../../harness/plugins/types.ts';
import { defineCheck } from '../../harness/plugins/registry.ts';
import { TrustlabError } from '../../harness/errors.ts';
import { tlsHandshake } from '../../adapters/tls/handshake.ts';
import { describeCertificate } from '../../adapters/tls/certificate.ts';
import { probeKexInit } from '../../adapters/ssh/kexinit.ts';
import { fetchHostKeys } from '../../adapters/ssh/host-keys.ts';
import { sshEndpoints, tlsEndpoints, type Endpoint } from './endpoints.ts';
import { noDiscovery, notApplicable } from './findings.ts';
import { cite, fromEntry, keyUniqueness } from './policy.ts';

const TEST = 'CTM-EN-05';

/** Public-key fingerprints of one endpoint on one unit, or why none could be read. */
type Keys = { ok: true; fingerprints: string[] } | { ok: false; why: string };

async function keysAt(ctx: CheckContext, address: string, ep: Endpoint, kind: 'tls' | 'ssh'): Promise<Keys> {
  if (!ctx.guard.allows(address)) return { ok: false, why: `${address} is outside network.scope` };
  const target = { guard: ctx.guard, address, port: ep.port, timeoutMs: 4000, budget: ctx.budget, signal: ctx.signal };
  try {
    if (kind === 'tls') {
      const h = await tlsHandshake(target);
      if (h.chain.length === 0) return { ok: false, why: `no certificate (${h.error ?? 'handshake gave none'})` };
      return { ok: true, fingerprints: [`spki-sha256:${describeCertificate(h.chain[0]!).spkiSha256}`] };
    }
    const probe = await probeKexInit(target);
    if (probe.kind !== 'kexinit') return { ok: false, why: `no SSH KEXINIT (${probe.kind})` };
    const keys = await fetchHostKeys(target, probe.kexinit.hostKey);
    return keys.length > 0 ? { ok: true, fingerprints: keys.map((k) => `${k.keyType} ${k.fingerprint}`) } : { ok: false, why: 'no host key could be fetched' };
  } catch (err) {
    if (err instanceof TrustlabError && err.code === 'TL_TRANSPORT') return { ok: false, why: err.message };
    throw err;
  }
}

export default defineCheck({
  version: '1.0.0',
  title: 'TLS and SSH keys not shared across units of one model',
  testIds: [TEST],
  needs: ['tls', 'ssh'],
  appliesTo: (device) => ((device.samples?.length ?? 0) > 0 ? true : 'no other units of this model are listed in device.samples'),
  async run(ctx): Promise<CheckResult[]> {
    if (!ctx.discoveryRan() && ctx.discovered().length === 0) return [noDiscovery(TEST)];
    const endpoints = [
      ...(await tlsEndpoints(ctx)).map((ep) => ({ ep, kind: 'tls' as const })),
      ...sshEndpoints(ctx).map((ep) => ({ ep, kind: 'ssh' as const })),
    ];
    if (endpoints.length === 0) return [notApplicable(TEST, 'no TLS or SSH service whose keys could be compared')];
    const samples = ctx.device.samples ?? [];
    const table: Record<string, Record<string, Keys>> = {};
    const out: CheckResult[] = [];
    for (const { ep, kind } of endpoints) {
      const where = `${kind === 'tls' ? 'TLS' : 'SSH'} tcp/${ep.port}`;
      const units: Record<string, Keys> = { [ctx.device.id]: await keysAt(ctx, ctx.device.address, ep, kind) };
      for (const s of samples) units[s.id] = await keysAt(ctx, s.address, ep, kind);
      table[where] = units;
      const mine = units[ctx.device.id]!;
      if (!mine.ok) {
        out.push({ testId: TEST, status: 'inconclusive', target: ep.target, summary: `${where}: this unit's key could not be read: ${mine.why}` });
        continue;
      }
      const shared = samples.filter((s) => { const k = units[s.id]!; return k.ok && k.fingerprints.some((f) => mine.fingerprints.includes(f)); });
      const unread = samples.filter((s) => !units[s.id]!.ok);
      if (shared.length > 0) {
        const e = keyUniqueness.entries.find((x) => x.id === (kind === 'tls' ? 'unique-tls-key' : 'unique-ssh-host-key'))!;
        const same = mine.fingerprints.filter((f) => shared.some((s) => (units[s.id] as { fingerprints: string[] }).fingerprints.includes(f)));
        const j = fromEntry('key-uniqueness', e, `${where} key ${same.join(', ')} on ${ctx.device.id} and ${shared.map((s) => s.id).join(', ')}`);
        out.push({ testId: TEST, status: 'fail', target: ep.target, summary: `same private key on several units: ${cite(j)}`, data: { failures: [j], units, tables: [keyUniqueness.ref] } });
      } else if (unread.length > 0) {
        out.push({ testId: TEST, status: 'inconclusive', target: ep.target, summary: `${where}: no shared key found, but ${unread.map((s) => `${s.id} (${(units[s.id] as { why: string }).why})`).join(', ')} could not be compared`, data: { units } });
      } else {
        out.push({ testId: TEST, status: 'pass', target: ep.target, summary: `${where}: key differs on all ${samples.length} sample unit(s)`, data: { units, tables: [keyUniqueness.ref] } });
      }
    }
    const evidence = await ctx.putEvidence('key-comparison.json', JSON.stringify(table, null, 2), 'application/json');
    return out.map((r) => ({ ...r, evidence: [evidence] }));
  },
});
