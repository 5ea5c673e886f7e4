/** `trustlab run <config>`: run the configured suites on the bench and write a signed run. */
import path from 'node:path';
import { TrustlabError } from '../../errors.ts';
import { currentNamespace, namedNamespace, reexecInNamespace } from '../../netns/namespace.ts';
import { resumeRun, startRun } from '../../run/runner.ts';
import { expectPositionals, parseFlags, type Command } from '../command.ts';
import { showProgress } from '../progress.ts';
import { abortOnSignals, exitCodeFor, loadWithRegistry } from '../setup.ts';
import { renderSummary } from '../summary.ts';

export const runCommand: Command = {
  name: 'run',
  summary: 'run the lab config\'s suites and write a signed run directory',
  usage: `
Usage: trustlab run <config.yaml> [--out DIR] [--parallel N]
       trustlab run --resume <run-dir> <config.yaml>

Validates the config, plans suites x devices into jobs (parallel across devices, serial
per device, open-ports first), journals every finding as it happens (data/journal.jsonl,
fsync'd), then writes data/report.json, signs it and seals the run as a BagIt bag.
Ctrl-C stops after the running checks and marks the run interrupted; after Ctrl-C or a
kill, --resume continues it without losing or repeating a finding.
If network.namespace is set, the run re-executes itself inside that namespace (root).
  --out DIR       parent directory of the run directory (default ./runs)
  --parallel N    jobs at once (default: one per device)
  --resume DIR    continue the run in DIR with the same config`,
  async run(argv) {
    const { values, positionals } = parseFlags('run', argv, {
      out: { type: 'string' }, parallel: { type: 'string' }, resume: { type: 'string' },
    });
    expectPositionals('run', positionals, 1, 'one lab config path');
    const { loaded, registry } = await loadWithRegistry(positionals[0]!);
    const ns = loaded.config.network.namespace;
    // Signals reach the inner run (it journals and exits resumably); we wait for its code.
    if (ns && currentNamespace() !== ns) return reexecInNamespace(namedNamespace(ns), [process.argv[1]!, 'run', ...argv]);
    const parallelism = values.parallel ? Number(values.parallel) : undefined;
    if (parallelism !== undefined && (!Number.isInteger(parallelism) || parallelism < 1)) {
      throw new TrustlabError('TL_USAGE', '--parallel takes a whole number of at least 1');
    }
    const abort = abortOnSignals();
    const stop = showProgress();
    try {
      const common = { loaded, registry, signal: abort.signal, ...(parallelism ? { parallelism } : {}) };
      const outcome = values.resume
        ? await resumeRun(path.resolve(values.resume), common)
        : await startRun({ ...common, outDir: path.resolve(values.out ?? 'runs'), mode: ns ? { namespace: ns } : {} });
      stop();
      process.stdout.write(`${renderSummary(outcome)}\n`);
      return exitCodeFor(outcome);
    } finally {
      stop();
      abort.dispose();
    }
  },
};
