/**
 * CTM-EN-02: every SSH server the scan found. Its KEXINIT lists what it offers; each key
 * exchange, host key, cipher and MAC algorithm is judged by the SSH policy table, as are the
 * protocol version in its banner and the size of its RSA/DSA host keys. Evidence: banner,
 * the raw KEXINIT payload, the parsed lists and the host keys.
 */
import type { CheckResult } from '../../harness/plugins/types.ts';
import { defineCheck } from '../../harness/plugins/registry.ts';
import { TrustlabError } from '../../harness/errors.ts';
import { probeKexInit, type KexInit, type SshProbeResult } from '../../adapters/ssh/kexinit.ts';
import { fetchHostKeys, type HostKey } from '../../adapters/ssh/host-keys.ts';
import { sshEndpoints } from './endpoints.ts';
import { noDiscovery, notApplicable, toResult } from './findings.ts';
import { judgeKey, judgeName, sshAlgorithms, type Judgement } from './policy.ts';

const TEST = 'CTM-EN-02';

/** The protocol version in an identification string ("SSH-2.0-dropbear" -> "2.0"). */
export function protocolOf(banner: string): string {
  return /^SSH-([^-]+)-/.exec(banner)?.[1] ?? 'unknown';
}

const unique = (lists: string[][]): string[] => [...new Set(lists.flat())];

/** Judge everything one SSH server offers. */
export function judgeSsh(banner: string, kexinit: KexInit, hostKeys: readonly HostKey[]): Judgement[] {
  const t = sshAlgorithms;
  const protocol = judgeName('ssh-algorithms/protocol', t.protocol, protocolOf(banner));
  const out: Judgement[] = [{ ...protocol, item: `protocol ${protocol.item}` }];
  const add = (category: 'kex' | 'hostKey' | 'cipher' | 'mac', names: string[]): void => {
    for (const n of names) out.push({ ...judgeName(`ssh-algorithms/${category}`, t[category], n), item: `${category} ${n}` });
  };
  add('kex', kexinit.kex);
  add('hostKey', kexinit.hostKey);
  add('cipher', unique([kexinit.cipherClientToServer, kexinit.cipherServerToClient]));
  add('mac', unique([kexinit.macClientToServer, kexinit.macServerToClient]));
  for (const k of hostKeys) {
    // Only key types with a size rule are judged by size; EdDSA and ECDSA sizes are fixed by name.
    if (!t.hostKeySizes.some((e) => e.keyType === k.keyType)) continue;
    out.push(judgeKey('ssh-algorithms/hostKeySizes', t.hostKeySizes, k.keyType, k.bits, `host key ${k.keyType} ${k.bits}-bit (${k.fingerprint})`));
  }
  return out;
}

function noKexInit(r: Exclude<SshProbeResult, { kind: 'kexinit' }>): string {
  switch (r.kind) {
    case 'no-kexinit':
      return `the server identified itself as "${r.banner}" but sent no KEXINIT: ${r.why}`;
    case 'not-ssh':
      return `the service does not speak SSH (first line: "${r.received}")`;
    default:
      return r.kind === 'closed' ? 'the server closed the connection before identifying itself' : 'no identification before the timeout';
  }
}

export default defineCheck({
  version: '1.0.0',
  title: 'SSH key exchange, host key, cipher and MAC algorithms',
  testIds: [TEST],
  needs: ['ssh'],
  appliesTo: () => true,
  async run(ctx): Promise<CheckResult[]> {
    if (!ctx.discoveryRan() && ctx.discovered().length === 0) return [noDiscovery(TEST)];
    const endpoints = sshEndpoints(ctx);
    if (endpoints.length === 0) return [notApplicable(TEST, 'no SSH service among the open TCP services discovery found')];
    const out: CheckResult[] = [];
    for (const [i, ep] of endpoints.entries()) {
      ctx.progress(i, endpoints.length, `SSH tcp/${ep.port}`);
      const target = { guard: ctx.guard, address: ctx.device.address, port: ep.port, timeoutMs: 5000, budget: ctx.budget, signal: ctx.signal };
      let probe: SshProbeResult;
      try {
        probe = await probeKexInit(target);
      } catch (err) {
        if (!(err instanceof TrustlabError && err.code === 'TL_TRANSPORT')) throw err;
        out.push({ testId: TEST, status: 'inconclusive', target: ep.target, summary: `SSH on tcp/${ep.port} could not be probed: ${err.message}` });
        continue;
      }
      if (probe.kind !== 'kexinit') {
        const banner = probe.kind === 'no-kexinit' ? probe.banner : undefined;
        const protocolOne = banner !== undefined && /^SSH-1\.(?!99)/.test(banner);
        out.push(protocolOne
          ? toResult({ testId: TEST, target: ep.target, subject: `SSH on tcp/${ep.port} (${banner})`, judgements: judgeSsh(banner, emptyKexInit, []), tables: [sshAlgorithms.ref], data: { banner } })
          : { testId: TEST, status: 'inconclusive', target: ep.target, summary: `SSH on tcp/${ep.port}: ${noKexInit(probe)}`, data: { banner } });
        continue;
      }
      const hostKeys = await fetchHostKeys(target, probe.kexinit.hostKey);
      const evidence = await ctx.putEvidence(`ssh-${ep.port}-kexinit.json`, JSON.stringify({
        banner: probe.banner, kexinit: probe.kexinit, kexinitPayloadHex: probe.packetHex, hostKeys,
      }, null, 2), 'application/json');
      out.push(toResult({
        testId: TEST, target: ep.target, subject: `SSH algorithms offered on tcp/${ep.port} (${probe.banner})`,
        judgements: judgeSsh(probe.banner, probe.kexinit, hostKeys), tables: [sshAlgorithms.ref], evidence: [evidence],
        data: { banner: probe.banner, hostKeys: hostKeys.map(({ blobBase64: _blob, ...k }) => k) },
      }));
    }
    ctx.progress(endpoints.length, endpoints.length);
    return out;
  },
});

const emptyKexInit = {
  kex: [], hostKey: [], cipherClientToServer: [], cipherServerToClient: [], macClientToServer: [], macServerToClient: [],
  compressionClientToServer: [], compressionServerToClient: [], languagesClientToServer: [], languagesServerToClient: [],
  firstKexPacketFollows: false,
};
