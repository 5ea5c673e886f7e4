/**
 * Microbenchmarks (tinybench) of hot paths in the run spine: canonical JSON of a report, the
 * fsync'd journal append, the scope check, and port-list handling.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Bench } from 'tinybench';
import { Journal } from '../../harness/journal/journal.ts';
import { parsePortList, shuffledPorts } from '../../harness/scan/ports.ts';
import { createScopeGuard } from '../../harness/scope/guard.ts';
import { canonicalize } from '../../reports/canonical-json.ts';

/** A report-shaped object: 3 devices x 200 results. */
function sampleReport(): unknown {
  return {
    schemaVersion: '1.0.0',
    devices: Array.from({ length: 3 }, (_, d) => ({
      id: `dev-${d}`,
      results: Array.from({ length: 200 }, (_, i) => ({ testId: 'CTM-PT-01', checkId: 'open-ports/listening-services', status: i % 7 ? 'pass' : 'fail', target: { transport: 'tcp', port: 1000 + i }, summary: `service ${i}`, evidence: [], requirements: ['ETSI EN 303 645 5.6-1'] })),
    })),
  };
}

/** Run the microbenchmarks and return rows for the table. */
export async function runMicro(): Promise<{ name: string; opsPerSec: number; meanUs: number }[]> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'tl-bench-'));
  const journal = Journal.create(path.join(dir, 'journal.jsonl'));
  const report = sampleReport();
  const guard = createScopeGuard(['127.77.0.0/24', '192.0.2.0/28', '2001:db8::/64']);
  const all = parsePortList('all');
  const bench = new Bench({ time: 300 });
  bench
    .add('canonicalize report (600 results)', () => void canonicalize(report))
    .add('journal append + fsync', () => journal.append({ type: 'resume', at: new Date().toISOString() }))
    .add('scope guard allows()', () => void guard.allows('127.77.0.42'))
    .add('shuffle 65535 ports', () => void shuffledPorts(all, 7))
    .add('parse port list "all"', () => void parsePortList('all'));
  await bench.run();
  journal.close();
  rmSync(dir, { recursive: true, force: true });
  return bench.tasks.map((t) => {
    const r = t.result as unknown as { throughput?: { mean: number }; latency?: { mean: number }; hz?: number; mean?: number };
    const hz = r.throughput?.mean ?? r.hz ?? 0;
    const meanMs = r.latency?.mean ?? r.mean ?? 0;
    return { name: t.name, opsPerSec: Math.round(hz), meanUs: Math.round(meanMs * 1000 * 10) / 10 };
  });
}
