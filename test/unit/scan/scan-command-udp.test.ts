/** `trustlab scan --udp` on loopback (127.91.2.x): a real CoAP server answers, other probe-table ports are closed. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import coap from 'coap';
import { scanCommand } from '../../../harness/cli/commands/scan.ts';
import { runCapturingStdout } from '../support/stdout.ts';
import { DEFAULT_UDP_PORTS } from '../../../harness/scan/udp-probes.ts';

const HOST = '127.91.2.1';
let server: ReturnType<typeof coap.createServer>;

const run = (argv: string[]): Promise<{ code: number; out: string }> => runCapturingStdout(scanCommand, argv);

beforeAll(async () => {
  server = coap.createServer({ type: 'udp4' });
  server.on('request', (_req: unknown, res: { end(b?: string): void }) => res.end('</door>;rt="lock"'));
  await new Promise<void>((resolve) => server.listen(5683, HOST, () => resolve()));
});
afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

describe('trustlab scan --udp', () => {
  it('--json prints the open UDP service with its probe answer; closed ports are not printed', async () => {
    const { code, out } = await run([HOST, '--ports', 'none', '--udp', '--json']);
    expect(code).toBe(0);
    const rows = out.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(rows).toEqual([expect.objectContaining({ address: HOST, transport: 'udp', port: 5683, state: 'open', service: 'coap', identifiedBy: 'probe' })]);
    expect(String(rows[0]!.reply)).toContain('</door>');
  });

  it('prints a per-address UDP summary over the default probe list', async () => {
    const { out } = await run([HOST, '--ports', 'none', '--udp']);
    expect(out).toContain(`${HOST}: 1 open, ${DEFAULT_UDP_PORTS.length - 1} closed, 0 open|filtered of ${DEFAULT_UDP_PORTS.length} UDP ports`);
    expect(out).toMatch(/5683\/udp {2}open {9} {2}coap/);
  });

  it('takes an explicit UDP list and rejects --udp-ports without --udp', async () => {
    const { out } = await run([HOST, '--ports', 'none', '--udp', '--udp-ports', '5683,40000-40002', '--json']);
    expect(out.trim().split('\n')).toHaveLength(1);
    await expect(run([HOST, '--udp-ports', '53'])).rejects.toMatchObject({ code: 'TL_USAGE' });
  });
});
