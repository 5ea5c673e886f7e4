/** `trustlab scan ADDR...`: an ad-hoc TCP (and UDP) scan; the addresses named are the whole scope. */
import type { DiscoveredService } from '../../model.ts';
import { ExitCode, TrustlabError } from '../../errors.ts';
import { activeScanner } from '../../scan/active.ts';
import { serviceHint } from '../../scan/port-hints.ts';
import { insideNamespace, isLoopback } from '../../scan/loopback.ts';
import { parsePortList } from '../../scan/ports.ts';
import { TOP_TCP_PORTS } from '../../scan/top-ports.ts';
import type { TcpScanResult } from '../../scan/types.ts';
import type { UdpPortResult, UdpScanResult } from '../../scan/udp-types.ts';
import { createBudgetGate } from '../../scheduler/budget.ts';
import { scopeFromAddresses, type ScopeGuard } from '../../scope/guard.ts';
import { parseFlags, type Command } from '../command.ts';

/** Default sockets in flight per address: the engine's window adapts below it. */
const DEFAULT_MAX_SOCKETS = 16384;

interface Row {
  address: string;
  transport: 'tcp' | 'udp';
  port: number;
  state: 'open' | 'filtered' | 'open|filtered';
  service: string;
  product?: string;
  version?: string;
  identifiedBy?: string;
  /** UDP: what the service answered to its probe (printable, bounded). */
  reply?: string;
}

function udpRow(address: string, r: UdpPortResult): Row {
  return {
    address, transport: 'udp', port: r.port, state: r.state === 'open' ? 'open' : 'open|filtered', service: r.service ?? 'unknown',
    ...(r.identifiedBy ? { identifiedBy: r.identifiedBy } : {}), ...(r.reply ? { reply: r.reply } : {}),
  };
}

/** UDP ports of one address: open ones are printed as they answer, open|filtered ones at the end. */
async function scanAddressUdp(address: string, ports: number[], guard: ScopeGuard, maxSockets: number, emit: (rows: Row[]) => void): Promise<{ result: UdpScanResult; rows: Row[] }> {
  const budget = createBudgetGate({ maxSockets, attemptsPerSecond: 1000 });
  const rows: Row[] = [];
  const { scanUdp } = await import('../../scan/udp-scanner.ts');
  const result = await scanUdp({
    address, ports, guard, budget,
    onResult: (r) => {
      if (r.state === 'closed') return;
      const row = udpRow(address, r);
      rows.push(row);
      emit([row]);
    },
  });
  rows.sort((a, b) => a.port - b.port);
  return { result, rows };
}

function portsFor(spec: string): number[] {
  if (spec === 'top') return [...TOP_TCP_PORTS];
  return parsePortList(spec === '1-65535' ? 'all' : spec);
}

function openRow(address: string, s: DiscoveredService): Row {
  return {
    address, transport: 'tcp', port: s.port, state: 'open', service: s.service ?? 'unknown',
    ...(s.product ? { product: s.product } : {}), ...(s.version ? { version: s.version } : {}), ...(s.identifiedBy ? { identifiedBy: s.identifiedBy } : {}),
  };
}

interface ScanOptions {
  identify: boolean;
  /** Run nmap -sV on the open ports after banner and probe. */
  versions: boolean;
}

/** Overlay what nmap -sV found (when it matched a probe) on the banner-and-probe rows. */
async function addVersions(address: string, guard: ScopeGuard, budget: ReturnType<typeof createBudgetGate>, open: Row[]): Promise<void> {
  const { nmapServiceVersions } = await import('../../../adapters/nmap/service-version.ts');
  const found = await nmapServiceVersions({ guard, address, ports: open.map((r) => r.port), budget });
  for (const v of found) {
    const row = open.find((r) => r.port === v.port);
    if (!row || v.method !== 'probed') continue;
    if (v.service) row.service = v.tunnel === 'ssl' && v.service === 'http' ? 'https' : v.service;
    if (v.product) row.product = v.product;
    if (v.version) row.version = v.version;
    row.identifiedBy = 'nmap';
  }
}

/**
 * Scan one address; open ports are identified while the scan goes on (each as soon as it is
 * found, one budget slot each), and with --json every open port is printed when identified
 * (with --sv, once nmap -sV has run on all of them).
 */
async function scanAddress(address: string, ports: number[], guard: ScopeGuard, maxSockets: number, opts: ScanOptions, emit: (rows: Row[]) => void): Promise<{ result: TcpScanResult; rows: Row[] }> {
  const identify = opts.identify;
  const budget = createBudgetGate({ maxSockets, attemptsPerSecond: 1000 });
  const rows: Row[] = [];
  const pending: Promise<void>[] = [];
  const onOpen = async (port: number): Promise<void> => {
    let service: DiscoveredService;
    if (identify) {
      const { identifyTcp } = await import('../../scan/identify.ts');
      const release = await budget.acquireSocket();
      try {
        service = await identifyTcp(guard, address, port);
      } finally {
        release();
      }
    } else {
      const hint = serviceHint(port);
      service = { transport: 'tcp', port, state: 'open', service: hint ?? 'unknown', ...(hint ? { identifiedBy: 'port' as const } : {}) };
    }
    const row = openRow(address, service);
    rows.push(row);
    if (!opts.versions) emit([row]);
  };
  const result = await activeScanner().scan({
    address, ports, guard, budget,
    onResult: (r) => {
      if (r.state === 'open') pending.push(onOpen(r.port));
    },
  });
  await Promise.all(pending);
  if (opts.versions && rows.length > 0) {
    await addVersions(address, guard, budget, rows);
    emit(rows);
  }
  const filtered: Row[] = [];
  for (const p of result.notClosed) {
    if (p.state === 'filtered') filtered.push({ address, transport: 'tcp', port: p.port, state: 'filtered', service: serviceHint(p.port) ?? 'unknown' });
  }
  // Filtered ports are known only at the end, and a firewalled device has tens of thousands: one write.
  emit(filtered);
  rows.push(...filtered);
  rows.sort((a, b) => a.port - b.port);
  return { result, rows };
}

export const scanCommand: Command = {
  name: 'scan',
  summary: 'ad-hoc TCP scan of the addresses given (they are the whole scope)',
  usage: `
Usage: trustlab scan <address>... [--ports all|top|none|LIST] [--udp] [--udp-ports default|LIST]
                     [--max-sockets N] [--no-identify] [--sv] [--json]

Scans the TCP ports of each address with the scan engine the open-ports suite uses (all
addresses at once) and identifies each open service while the scan goes on; with --udp it
also probes UDP ports with protocol requests (CoAP, mDNS, SSDP, SNMP, DNS, NTP, DTLS...). Only the
addresses on the command line may be touched. A full-range scan of a loopback address is
refused outside a network namespace.
  --ports SPEC      "all" or "1-65535" (default), "top" (the well-known IoT service ports),
                    "none" (no TCP), or a list like 22,80,8000-8100
  --udp             also scan UDP: open (answered), closed (ICMP port unreachable) or
                    open|filtered (silent); the default list is the IoT UDP probe table
  --udp-ports SPEC  UDP ports with --udp: "default" (the probe table: 53, 69, 123, 137, 161,
                    1900, 3478, 5060, 5353, 5683, 5684) or a list; ports outside the table get
                    an empty datagram
  --max-sockets N   connections in flight per address at most (default ${DEFAULT_MAX_SOCKETS}); the
                    engine's window adapts below it
  --no-identify     name services by port only (no banner or probe connections)
  --sv              then run nmap -sV on the open ports (product and version; needs nmap)
  --json            one JSON object per open, filtered or open|filtered port, printed as it
                    is known: address, transport, port, state, service (and product,
                    version, identifiedBy; for UDP the reply)`,
  async run(argv) {
    const { values, positionals } = parseFlags('scan', argv, {
      ports: { type: 'string' }, json: { type: 'boolean' }, 'max-sockets': { type: 'string' }, 'no-identify': { type: 'boolean' }, sv: { type: 'boolean' },
      udp: { type: 'boolean' }, 'udp-ports': { type: 'string' },
    });
    if (positionals.length === 0) throw new TrustlabError('TL_USAGE', 'scan expects at least one address (see trustlab scan --help)');
    const guard = scopeFromAddresses(positionals);
    const ports = portsFor(values.ports ?? 'all');
    if (values['udp-ports'] !== undefined && !values.udp) throw new TrustlabError('TL_USAGE', '--udp-ports needs --udp');
    // Identification, UDP and nmap load only when asked for: fewer modules, a faster start.
    const udpPorts = values.udp ? (await import('../../scan/udp-probes.ts')).parseUdpPortList(values['udp-ports'] ?? 'default') : [];
    const maxSockets = Number(values['max-sockets'] ?? DEFAULT_MAX_SOCKETS);
    if (!Number.isInteger(maxSockets) || maxSockets < 1) throw new TrustlabError('TL_USAGE', '--max-sockets takes a whole number of at least 1');
    for (const address of positionals) {
      guard.assertInScope(address, 'scan');
      if ((ports.length === 65535 || udpPorts.length === 65535) && isLoopback(address) && !insideNamespace()) {
        throw new TrustlabError('TL_USAGE', `refusing a full-range scan of loopback ${address} outside a network namespace: give --ports`);
      }
    }
    const emit = values.json
      ? (rows: Row[]) => rows.length > 0 && process.stdout.write(`${rows.map((row) => JSON.stringify(row)).join('\n')}\n`)
      : () => undefined;
    const opts = { identify: !values['no-identify'], versions: values.sv === true };
    const [results, udpResults] = await Promise.all([
      Promise.all(positionals.map((address) => (ports.length > 0 ? scanAddress(address, ports, guard, maxSockets, opts, emit) : undefined))),
      Promise.all(positionals.map((address) => (udpPorts.length > 0 ? scanAddressUdp(address, udpPorts, guard, maxSockets, emit) : undefined))),
    ]);
    if (!values.json) {
      for (const [i, tcp] of results.entries()) {
        if (!tcp) continue;
        const { result: r, rows } = tcp;
        process.stdout.write(`${positionals[i]}: ${r.counts.open} open, ${r.counts.closed} closed, ${r.counts.filtered} filtered of ${r.total} TCP ports (${r.durationMs} ms)\n`);
        const filtered = rows.filter((row) => row.state === 'filtered');
        // A firewalled device has tens of thousands: list them only when they are a handful.
        const listed = filtered.length > 32 ? rows.filter((row) => row.state !== 'filtered') : rows;
        if (listed !== rows) process.stdout.write(`  (${filtered.length} filtered ports not listed; --json lists them)\n`);
        for (const row of listed) process.stdout.write(`  ${String(row.port).padStart(5)}/tcp  ${row.state.padEnd(8)}  ${row.service}${row.product ? ` (${row.product}${row.version ? ` ${row.version}` : ''})` : ''}\n`);
      }
      for (const [i, udp] of udpResults.entries()) {
        if (!udp) continue;
        const c = udp.result.counts;
        process.stdout.write(`${positionals[i]}: ${c.open} open, ${c.closed} closed, ${c['open|filtered']} open|filtered of ${udp.result.total} UDP ports (${udp.result.durationMs} ms)\n`);
        for (const row of udp.rows) process.stdout.write(`  ${String(row.port).padStart(5)}/udp  ${row.state.padEnd(13)}  ${row.service}${row.state === 'open' && row.reply ? `  ${row.reply.slice(0, 60)}` : ''}\n`);
      }
    }
    return ExitCode.ALL_PASS;
  },
};
