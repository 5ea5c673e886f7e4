/** `trustlab scan ADDR...`: an ad-hoc TCP scan; the addresses named are the whole scope. */
import { ExitCode, TrustlabError } from '../../errors.ts';
import { activeScanner } from '../../scan/active.ts';
import { identifyTcp } from '../../scan/identify.ts';
import { insideNamespace, isLoopback } from '../../scan/loopback.ts';
import { parsePortList } from '../../scan/ports.ts';
import { createBudgetGate } from '../../scheduler/budget.ts';
import { scopeFromAddresses } from '../../scope/guard.ts';
import { parseFlags, type Command } from '../command.ts';

export const scanCommand: Command = {
  name: 'scan',
  summary: 'ad-hoc TCP scan of the addresses given (they are the whole scope)',
  usage: `
Usage: trustlab scan <address>... [--ports all|LIST] [--max-sockets N] [--json]

Scans the TCP ports of each address with the scan engine the open-ports suite uses and
identifies each open service. Only the addresses on the command line may be touched.
A full-range scan of a loopback address is refused outside a network namespace.
  --ports LIST      "all" (default) or a list like 22,80,8000-8100
  --max-sockets N   connections in flight per address (default 1024)
  --json            one JSON object per port: address, transport, port, state, service`,
  async run(argv) {
    const { values, positionals } = parseFlags('scan', argv, {
      ports: { type: 'string' }, json: { type: 'boolean' }, 'max-sockets': { type: 'string' },
    });
    if (positionals.length === 0) throw new TrustlabError('TL_USAGE', 'scan expects at least one address (see trustlab scan --help)');
    const guard = scopeFromAddresses(positionals);
    const spec = values.ports ?? 'all';
    const ports = parsePortList(spec);
    const maxSockets = Number(values['max-sockets'] ?? 1024);
    if (!Number.isInteger(maxSockets) || maxSockets < 1) throw new TrustlabError('TL_USAGE', '--max-sockets takes a whole number of at least 1');
    const results = await Promise.all(positionals.map(async (address) => {
      guard.assertInScope(address, 'scan');
      if (ports.length === 65535 && isLoopback(address) && !insideNamespace()) {
        throw new TrustlabError('TL_USAGE', `refusing a full-range scan of loopback ${address} outside a network namespace: give --ports`);
      }
      const budget = createBudgetGate({ maxSockets, attemptsPerSecond: 1000 });
      const result = await activeScanner().scan({ address, ports, guard, budget });
      const open = await Promise.all(result.notClosed.filter((p) => p.state === 'open').map((p) => identifyTcp(guard, address, p.port)));
      const filtered = result.notClosed.filter((p) => p.state === 'filtered');
      return { address, result, open, filtered };
    }));
    for (const r of results) {
      const rows = [
        ...r.open.map((s) => ({ address: r.address, transport: 'tcp', port: s.port, state: 'open', service: s.service ?? 'unknown', ...(s.product ? { product: s.product } : {}), ...(s.version ? { version: s.version } : {}), ...(s.identifiedBy ? { identifiedBy: s.identifiedBy } : {}) })),
        ...r.filtered.map((p) => ({ address: r.address, transport: 'tcp', port: p.port, state: 'filtered', service: 'unknown' })),
      ].sort((a, b) => a.port - b.port);
      if (values.json) for (const row of rows) process.stdout.write(`${JSON.stringify(row)}\n`);
      else {
        process.stdout.write(`${r.address}: ${r.result.counts.open} open, ${r.result.counts.closed} closed, ${r.result.counts.filtered} filtered of ${r.result.total} TCP ports (${r.result.durationMs} ms)\n`);
        for (const row of rows) process.stdout.write(`  ${String(row.port).padStart(5)}/tcp  ${row.state.padEnd(8)}  ${row.service}${'product' in row && row.product ? ` (${row.product}${'version' in row && row.version ? ` ${row.version}` : ''})` : ''}\n`);
      }
    }
    return ExitCode.ALL_PASS;
  },
};
