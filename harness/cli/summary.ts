/**
 * The end-of-run summary: one row per device with verdict counts, the failures listed, and
 * the command that verifies the signed run.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { RunOutcome } from '../run/runner.ts';

interface ReportView {
  devices: { id: string; results: { testId: string; status: string; summary: string; target?: { transport: string; port: number }; data?: Record<string, unknown> }[]; summary: Record<string, number> }[];
  summary: Record<string, number>;
}

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ')).join('\n');
}

/** What each device installed of the updates the update-mechanism suite offered (none when it did not run). */
function updateLines(report: ReportView): string[] {
  const rows: string[] = [];
  for (const d of report.devices) {
    const cases = d.results.flatMap((r) => (Array.isArray(r.data?.cases) && /^CTM-UP-0[2-5]$/.test(r.testId) ? (r.data.cases as { caseId: string; installed: boolean; offeredVersion: string | null }[]) : []));
    if (cases.length === 0) continue;
    const installed = cases.filter((c) => c.installed).map((c) => `${c.caseId} ${c.offeredVersion ?? ''}`.trim());
    rows.push(`  ${d.id}: installed ${installed.length > 0 ? installed.join(', ') : 'nothing'}; refused ${cases.length - installed.length} of ${cases.length}`);
  }
  return rows.length > 0 ? ['Updates offered (CTM-UP-02..05), what each device installed:', ...rows, ''] : [];
}

/** Render the summary of a completed run. `publicKey` is shown in the verify command if given. */
export function renderSummary(outcome: RunOutcome, publicKey?: string): string {
  if (outcome.status !== 'completed' || !outcome.final) {
    return `Run interrupted: ${outcome.runDir}\nResume it with: trustlab run --resume ${outcome.runDir} <config>`;
  }
  const report = JSON.parse(readFileSync(outcome.final.reportPath, 'utf8')) as ReportView;
  const head = ['device', 'pass', 'fail', 'inconclusive', 'n/a', 'total'];
  const row = (id: string, s: Record<string, number>): string[] => [id, ...['pass', 'fail', 'inconclusive', 'not-applicable', 'total'].map((k) => String(s[k] ?? 0))];
  const rows = [head, ...report.devices.map((d) => row(d.id, d.summary)), row('all', report.summary)];
  const lines = ['', table(rows), ''];
  const fails = report.devices.flatMap((d) => d.results.filter((r) => r.status === 'fail').map((r) => ({ d: d.id, r })));
  if (fails.length > 0) {
    lines.push('Failures:');
    for (const { d, r } of fails) lines.push(`  ${r.testId}  ${d}${r.target ? ` ${r.target.transport}/${r.target.port}` : ''}  ${r.summary}`);
    lines.push('');
  }
  lines.push(...updateLines(report));
  const rel = path.relative(process.cwd(), outcome.runDir) || '.';
  lines.push(`Signed run: ${rel}`);
  lines.push(`Verify it:  trustlab verify ${rel}${publicKey ? ` --key ${path.relative(process.cwd(), publicKey)}` : ''}`);
  return lines.join('\n');
}
