/**
 * End of a run: fold the journal, build and validate report.json, then seal the run
 * directory as a BagIt bag signed with the lab's key (in-toto Statement in a DSSE envelope).
 * Safe to repeat: a run killed during sealing is finalized again on resume.
 */
import { mkdir, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { LoadedConfig } from '../model.ts';
import type { Registry } from '../plugins/registry.ts';
import { loadedTables } from '../plugins/policies.ts';
import { foldJournal, readJournal } from '../journal/journal.ts';
import { buildReport, type Counts } from '../../reports/build.ts';
import { loadPrivateKey } from '../../reports/keys.ts';
import { sealRun } from '../../reports/signed-run.ts';
import { jsonWriter } from '../../reports/writers/json.ts';
import type { RunMode } from './runner.ts';
import { onRunPhase } from './events.ts';

export interface FinalizeResult {
  reportPath: string;
  summary: Counts;
  perDevice: { id: string; summary: Counts }[];
  envelopePath: string;
}

async function writeAtomic(file: string, bytes: Uint8Array): Promise<void> {
  const tmp = `${file}.tmp`;
  await writeFile(tmp, bytes);
  await rename(tmp, file);
}

/**
 * Render every writer other than json into data/exports/. A writer that throws is flagged on
 * stderr and skipped (the Playwright model): one broken export never loses the signed report.
 */
async function renderExports(runDir: string, registry: Registry, report: Record<string, unknown>): Promise<void> {
  for (const w of registry.writers.values()) {
    if (w.id === jsonWriter.id) continue;
    let bytes: Uint8Array;
    try {
      bytes = w.render(report);
    } catch (err) {
      process.stderr.write(`warning TL_WRITER_FAULT: writer ${w.id} failed and was skipped: ${(err as Error).message}\n`);
      continue;
    }
    await mkdir(path.join(runDir, 'data', 'exports'), { recursive: true });
    await writeAtomic(path.join(runDir, 'data', 'exports', path.basename(w.fileName)), bytes);
  }
}

/** Build, validate, write and sign. The journal must already end with run-end. */
export async function finalizeRun(runDir: string, loaded: LoadedConfig, registry: Registry, mode: RunMode): Promise<FinalizeResult> {
  const entries = readJournal(path.join(runDir, 'data', 'journal.jsonl'));
  const state = foldJournal(entries);
  const last = [...entries].reverse().find((e) => e.type === 'run-end');
  const endedAt = last?.type === 'run-end' ? last.at : new Date().toISOString();
  const suites = loaded.config.suites.map((id) => {
    const s = registry.suites.get(id)!;
    return { id, version: s.version, checks: s.checks.map((c) => ({ id: c.id, version: c.version })) };
  });
  onRunPhase.publish({ phase: 'report', runId: state.start.runId });
  const report = buildReport({
    state,
    config: loaded.config,
    suites,
    policies: loadedTables(),
    environment: {
      node: process.version,
      platform: `${process.platform}-${process.arch}`,
      ...(mode.namespace ? { namespace: mode.namespace } : {}),
      ...(mode.tcpPorts ? { tcpPortsOverride: mode.tcpPorts } : {}),
    },
    endedAt,
  });
  const reportPath = path.join(runDir, 'data', 'report.json');
  await writeAtomic(reportPath, jsonWriter.render(report));
  // Everything under data/exports/ becomes a subject of the signed statement.
  await renderExports(runDir, registry, report);

  onRunPhase.publish({ phase: 'sign', runId: state.start.runId });
  const privateKey = await loadPrivateKey(loaded.config.lab.key);
  const summary = report.summary as Counts;
  const { config } = loaded;
  await sealRun(runDir, {
    privateKey,
    bagInfo: {
      'Source-Organization': config.lab.name,
      'External-Identifier': state.start.runId,
      'External-Description': `trustlab ${state.start.trustlabVersion} run of ${config.devices.length} device(s): ${config.devices.map((d) => `${d.product.manufacturer} ${d.product.model}`).join('; ')}`,
      'Contact-Name': config.lab.signer.name,
    },
    predicate: {
      runId: state.start.runId,
      lab: config.lab.name,
      signer: { ...config.lab.signer },
      trustlabVersion: state.start.trustlabVersion,
      reportSchemaVersion: report.schemaVersion,
      startedAt: state.start.startedAt,
      endedAt,
      summary,
    },
  });
  const devices = report.devices as { id: string; summary: Counts }[];
  return {
    reportPath,
    summary,
    perDevice: devices.map((d) => ({ id: d.id, summary: d.summary })),
    envelopePath: path.join(runDir, 'report.intoto.json'),
  };
}
