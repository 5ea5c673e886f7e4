/**
 * What several commands share: the registry with built-in suites and the config's plugins,
 * loading a config against it, and the exit code a finished run deserves.
 */
import { setMaxListeners } from 'node:events';
import { loadLabConfig, pluginSpecs } from '../config/load.ts';
import { ExitCode } from '../errors.ts';
import type { LoadedConfig } from '../model.ts';
import { emptyRegistry, loadBuiltinProfiles, loadBuiltinSuites, loadPlugins, type Registry } from '../plugins/registry.ts';
import type { RunOutcome } from '../run/runner.ts';
import { builtinWriters } from '../../reports/writers/index.ts';

/** The registry of built-in suites and writers. */
export async function builtinRegistry(): Promise<Registry> {
  const reg = emptyRegistry();
  await loadBuiltinSuites(reg);
  await loadBuiltinProfiles(reg);
  for (const w of builtinWriters) reg.writers.set(w.id, w);
  return reg;
}

/** Load a config; its plugins are registered before suite names are checked. */
export async function loadWithRegistry(file: string): Promise<{ loaded: LoadedConfig; registry: Registry }> {
  const registry = await builtinRegistry();
  // Plugins named in the config may add suites: register them before suite names are checked.
  await loadPlugins(registry, pluginSpecs(file));
  const loaded = loadLabConfig(file, { knownSuites: [...registry.suites.keys()] });
  return { loaded, registry };
}

/** The named exit code for a run's outcome. */
export function exitCodeFor(outcome: RunOutcome): number {
  if (outcome.status === 'interrupted') return ExitCode.INTERRUPTED;
  const s = outcome.final!.summary;
  if (s.fail > 0) return ExitCode.FAILURES;
  if (s.inconclusive > 0) return ExitCode.INCONCLUSIVE;
  return ExitCode.ALL_PASS;
}

/** Abort on the first SIGINT/SIGTERM (finish cleanly, mark the run interrupted). */
export function abortOnSignals(): { signal: AbortSignal; dispose(): void } {
  const ac = new AbortController();
  // Every pacing wait and socket of every job in flight listens on this one signal (as many as
  // the device budgets allow, each removed when it settles), so Node's leak warning at 11
  // listeners is a false alarm here.
  setMaxListeners(0, ac.signal);
  const onSignal = (sig: NodeJS.Signals): void => {
    if (ac.signal.aborted) return;
    process.stderr.write(`\n${sig}: stopping after the running checks; the run can be resumed\n`);
    ac.abort(new Error(sig));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return {
    signal: ac.signal,
    dispose() {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    },
  };
}
