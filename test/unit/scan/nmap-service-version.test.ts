import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nmapServiceVersions, servicesFromNmapJson } from '../../../adapters/nmap/service-version.ts';
import { TrustlabError } from '../../../harness/errors.ts';
import { findTool } from '../../../harness/netns/process-control.ts';
import { createBudgetGate } from '../../../harness/scheduler/budget.ts';
import { createScopeGuard } from '../../../harness/scope/guard.ts';

// The nmap adapter's contract test: nmap -sV against a real local server speaking dropbear's
// identification line, on loopback with an explicit port (never a range).
const HOST = '127.66.0.6';
const SSH_PORT = 61402;
const CLOSED_PORT = 61403;
const guard = createScopeGuard(['127.66.0.0/24']);
const sockets = new Set<net.Socket>();
const server = net.createServer((s) => {
  s.on('error', () => undefined);
  sockets.add(s);
  s.once('close', () => sockets.delete(s));
  s.write('SSH-2.0-dropbear_2022.83\r\n');
});

beforeAll(async () => {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ port: SSH_PORT, host: HOST }, resolve);
  });
});
afterAll(async () => {
  for (const s of sockets) s.destroy();
  await new Promise((r) => server.close(r));
});

describe('nmap -sV adapter', () => {
  it.skipIf(!findTool('nmap'))('names dropbear and its version on the open port, and reports only open ports', async () => {
    const budget = createBudgetGate({ maxSockets: 8, attemptsPerSecond: 10 });
    const found = await nmapServiceVersions({ guard, address: HOST, ports: [SSH_PORT, CLOSED_PORT], budget, intensity: 2 });
    expect(found).toEqual([expect.objectContaining({ port: SSH_PORT, service: 'ssh', product: 'Dropbear sshd', version: '2022.83', method: 'probed' })]);
    expect(budget.peakInFlight()).toBeLessThanOrEqual(2);
    expect(budget.inFlight()).toBe(0);
  });

  it('refuses an address outside scope before running anything', async () => {
    const budget = createBudgetGate({ maxSockets: 8, attemptsPerSecond: 10 });
    const err = await nmapServiceVersions({ guard, address: '192.0.2.1', ports: [22], budget }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TrustlabError);
    expect((err as TrustlabError).code).toBe('TL_SCOPE_VIOLATION');
    expect(budget.peakInFlight()).toBe(0);
  });

  it('asks for nothing when no port is open', async () => {
    expect(await nmapServiceVersions({ guard, address: HOST, ports: [], budget: createBudgetGate({ maxSockets: 1, attemptsPerSecond: 1 }) })).toEqual([]);
  });

  it('maps node-nmap parsed XML: open ports only, every service attribute, sorted by port', () => {
    const port = (id: string, state: string, service?: Record<string, string>) => ({ $: { portid: id }, state: [{ $: { state } }], ...(service ? { service: [{ $: service }] } : {}) });
    const raw = { nmaprun: { host: [{ ports: [{ port: [
      port('8443', 'open', { name: 'http', product: 'lighttpd', version: '1.4.69', tunnel: 'ssl', method: 'probed', conf: '10' }),
      port('22', 'open', { name: 'ssh', product: 'Dropbear sshd', version: '2022.83', extrainfo: 'protocol 2.0', method: 'probed', conf: '10' }),
      port('23', 'closed', { name: 'telnet', method: 'table', conf: '3' }),
      port('1234', 'open'),
    ] }] }] } };
    expect(servicesFromNmapJson(raw)).toEqual([
      { port: 22, service: 'ssh', product: 'Dropbear sshd', version: '2022.83', extraInfo: 'protocol 2.0', method: 'probed', confidence: 10 },
      { port: 1234 },
      { port: 8443, service: 'http', product: 'lighttpd', version: '1.4.69', tunnel: 'ssl', method: 'probed', confidence: 10 },
    ]);
    expect(servicesFromNmapJson(undefined)).toEqual([]);
  });
});
