/**
 * UDP scanning against a host that rate-limits ICMP, as Linux devices do (a burst, then a
 * few a second): in a namespace, nft drops port-unreachables beyond 20/s (burst 5), since
 * the kernel's own ICMP limits exempt loopback; 30 closed ports.
 * Silence there is a swallowed port-unreachable, not a filter: the scanner must see the
 * limiting (a port refused only on a retry), give silent ports more attempts, and never
 * call a port open.
 */
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createNamespace, netnsSupport, type Namespace } from '../../harness/netns/namespace.ts';
import { requireTool } from '../../harness/netns/process-control.ts';
import { UDP_LIMITED_ATTEMPTS } from '../../harness/scan/udp-scanner.ts';

const support = netnsSupport();
const entry = fileURLToPath(new URL('./udp-scan-entry.ts', import.meta.url));
const root = fileURLToPath(new URL('../../', import.meta.url));
const ADDR = '127.91.10.1';

describe.skipIf(!support.ok)('UDP scan of a host that rate-limits ICMP (namespace)', () => {
  let ns: Namespace;
  beforeAll(async () => {
    ns = await createNamespace('udp-icmp');
    const ruleset = `table inet tl_icmp_limit {
  chain out {
    type filter hook output priority 0; policy accept;
    icmp type destination-unreachable limit rate over 20/second burst 5 packets drop
  }
}
`;
    const r = await ns.run(requireTool('nft', 'nftables'), ['-f', '-'], { input: ruleset, timeoutMs: 10_000 });
    expect(r.code, r.stderr).toBe(0);
  }, 30_000);
  afterAll(async () => {
    await ns?.destroy();
  });

  it('sees the limiting, retries more, and reports no port open', async () => {
    const r = await ns.run(process.execPath, ['--import', 'tsx', entry, ADDR, '40000-40029'], { timeoutMs: 60_000, cwd: root });
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as { counts: Record<string, number>; method: Record<string, unknown> };
    expect(out.counts.open).toBe(0);
    expect(out.counts.closed + out.counts['open|filtered']).toBe(30);
    expect(out.method).toMatchObject({ icmpRateLimited: true, attempts: UDP_LIMITED_ATTEMPTS });
    // More than the burst answered: the retries met the refilled ICMP budget.
    expect(out.counts.closed).toBeGreaterThan(5);
  }, 90_000);
});
