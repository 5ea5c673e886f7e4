import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scanCommand } from '../../../harness/cli/commands/scan.ts';
import { runCapturingStdout } from '../support/stdout.ts';
import { TrustlabError } from '../../../harness/errors.ts';
import { findTool } from '../../../harness/netns/process-control.ts';

// `trustlab scan` on loopback with an explicit port list (never the host's full range).
const HOST = '127.66.0.5';
const SSH_PORT = 61302;
const SILENT_PORT = 61305;
const servers: net.Server[] = [];
const accepted = new Set<net.Socket>();

async function listen(port: number, onConnection: (s: net.Socket) => void): Promise<void> {
  const server = net.createServer((s) => {
    // Scanners close without a goodbye: a reset here is expected, not an error.
    s.on('error', () => undefined);
    accepted.add(s);
    s.once('close', () => accepted.delete(s));
    onConnection(s);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ port, host: HOST }, resolve);
  });
  servers.push(server);
}

const run = (argv: string[]): Promise<{ code: number; out: string }> => runCapturingStdout(scanCommand, argv);

beforeAll(async () => {
  await listen(SSH_PORT, (s) => s.end('SSH-2.0-dropbear_2022.83\r\n'));
  await listen(SILENT_PORT, () => undefined);
});
afterAll(async () => {
  for (const s of accepted) s.destroy();
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
});

describe('trustlab scan', () => {
  it('--json prints one object per open port with address, transport, port, state and the identified service', async () => {
    const { code, out } = await run([HOST, '--ports', '61300-61309', '--json']);
    expect(code).toBe(0);
    const rows = out.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>).sort((a, b) => Number(a.port) - Number(b.port));
    expect(rows).toHaveLength(2);
    expect(rows[0]).toMatchObject({ address: HOST, transport: 'tcp', port: SSH_PORT, state: 'open', service: 'ssh', product: 'dropbear', identifiedBy: 'banner' });
    expect(rows[1]).toMatchObject({ address: HOST, transport: 'tcp', port: SILENT_PORT, state: 'open' });
  });

  it('--no-identify names services by port only, and the text output counts every state', async () => {
    const json = await run([HOST, '--ports', `${SSH_PORT}`, '--json', '--no-identify']);
    expect(JSON.parse(json.out)).toEqual({ address: HOST, transport: 'tcp', port: SSH_PORT, state: 'open', service: 'unknown' });
    const text = await run([HOST, '--ports', '61300-61309', '--no-identify']);
    expect(text.out).toMatch(new RegExp(`^${HOST.replace(/\./g, '\\.')}: 2 open, 8 closed, 0 filtered of 10 TCP ports`));
    expect(text.out).toContain(`${SSH_PORT}/tcp  open`);
  });

  it.skipIf(!findTool('nmap'))('--sv adds what nmap -sV finds on the open ports', async () => {
    const { out } = await run([HOST, '--ports', `${SSH_PORT}`, '--json', '--sv']);
    expect(JSON.parse(out)).toMatchObject({ port: SSH_PORT, state: 'open', service: 'ssh', product: 'Dropbear sshd', version: '2022.83', identifiedBy: 'nmap' });
  });

  it.each([
    [['--ports', '22', '--max-sockets', '0', HOST], /--max-sockets/],
    [['--ports', '70000', HOST], /bad port range/],
    [['--ports', '22'], /at least one address/],
  ])('refuses %j', async (argv, message) => {
    const err = await run(argv).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TrustlabError);
    expect((err as Error).message).toMatch(message);
  });
});
