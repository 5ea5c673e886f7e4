/**
 * Runs inside a test's namespace: a UDP scan of the ports given, printed as JSON with its
 * method evidence (which the CLI's --json rows leave out). Usage: udp-scan-entry.ts ADDR LIST
 */
import { parsePortList } from '../../harness/scan/ports.ts';
import { scanUdp } from '../../harness/scan/udp-scanner.ts';
import { createBudgetGate } from '../../harness/scheduler/budget.ts';
import { createScopeGuard } from '../../harness/scope/guard.ts';

const [address, list] = process.argv.slice(2) as [string, string];
const r = await scanUdp({ address, ports: parsePortList(list), guard: createScopeGuard([`${address}/32`]), budget: createBudgetGate({ maxSockets: 256, attemptsPerSecond: 10 }) });
process.stdout.write(JSON.stringify({ counts: r.counts, method: r.method, durationMs: r.durationMs }));
