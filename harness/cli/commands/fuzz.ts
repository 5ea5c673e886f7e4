/**
 * `trustlab fuzz --target URL`: fuzz one MQTT, CoAP or HTTP service (the target address is
 * the whole scope) and write one file per crash plus a summary; `trustlab fuzz replay
 * <case-file> --target URL` sends a saved case again and says whether the device went down.
 */
import { randomInt } from 'node:crypto';
import { ExitCode, TrustlabError } from '../../errors.ts';
import { FUZZ_DEFAULTS, fuzz, parseTarget, readCaseFile, replayCase, targetUrl, writeFuzzResults, type FuzzReport } from '../../fuzz/index.ts';
import { scopeFromAddresses } from '../../scope/guard.ts';
import { expectPositionals, parseFlags, type Command } from '../command.ts';

function whole(name: string, text: string | undefined, fallback: number, min = 0): number {
  if (text === undefined) return fallback;
  const n = Number(text);
  if (!Number.isSafeInteger(n) || n < min) throw new TrustlabError('TL_USAGE', `--${name} takes a whole number of at least ${min}`);
  return n;
}

function describe(r: FuzzReport, files: string[]): string {
  const lines = [`${r.target}: ${r.casesRun} cases in ${(r.durationMs / 1000).toFixed(1)} s (${r.casesPerSecond} cases/s), seed ${r.seed}, ${r.livenessChecks} liveness checks, ${r.responseShapes} response shapes; stopped: ${r.stoppedBecause}`];
  if (!r.reachable) lines.push('  the target did not answer its liveness probe before fuzzing: nothing was sent');
  for (const [i, c] of r.crashes.entries()) {
    const min = c.minimised ? `, minimised ${c.size} -> ${c.minimised.size} bytes` : '';
    const back = c.recoveredAfterMs !== undefined ? `, back after ${c.recoveredAfterMs} ms` : ', did not come back';
    lines.push(`  CRASH ${c.kind} (${c.downAs}${back}) case ${c.index}: ${c.sequence.join(', ')}; ${c.isolated ? 'isolated' : 'not isolated'}, ${c.reproduced ? 'reproduced' : 'not reproduced'}${min}`);
    lines.push(`    ${files[i]}`);
  }
  if (r.crashes.length === 0 && r.reachable) lines.push(`  no crash, hang or reboot; device ${r.aliveAtEnd ? 'alive' : 'NOT answering'} at the end`);
  return lines.join('\n');
}

async function replay(argv: string[]): Promise<number> {
  const { values, positionals } = parseFlags('fuzz replay', argv, {
    target: { type: 'string' }, minimised: { type: 'boolean' }, 'reboot-wait': { type: 'string' }, 'liveness-ms': { type: 'string' },
  });
  expectPositionals('fuzz', positionals, 1, 'replay <case-file> --target URL');
  if (values.target === undefined) throw new TrustlabError('TL_USAGE', 'fuzz replay needs --target URL (see trustlab fuzz --help)');
  const record = readCaseFile(positionals[0]!);
  const target = parseTarget(values.target);
  if (target.protocol !== record.protocol) throw new TrustlabError('TL_USAGE', `the case is ${record.protocol} but --target is ${target.protocol}`);
  const guard = scopeFromAddresses([target.address]);
  const r = await replayCase(record, {
    guard, address: target.address, port: target.port, minimised: values.minimised === true,
    livenessMs: whole('liveness-ms', values['liveness-ms'], FUZZ_DEFAULTS.livenessMs, 1), rebootWaitMs: whole('reboot-wait', values['reboot-wait'], FUZZ_DEFAULTS.rebootWaitMs / 1000) * 1000, replyMs: FUZZ_DEFAULTS.replyMs,
  });
  const url = targetUrl(target.protocol, target.address, target.port);
  const back = r.recoveredAfterMs !== undefined ? ` (back after ${r.recoveredAfterMs} ms)` : r.outcome === 'crash' || r.outcome === 'hang' ? ' (not back within the reboot wait)' : '';
  process.stdout.write(`${url}: replayed ${r.form} case seed ${record.seed} index ${record.index} (${r.sentBytes} bytes; rebuilt from seed and index: ${r.regenerated}): ${r.outcome === 'survived' ? 'device survived' : r.outcome === 'unreachable' ? 'device did not answer before the case was sent' : `CRASH reproduced: ${r.outcome}${back}`}\n`);
  if (r.outcome === 'unreachable') return ExitCode.INCONCLUSIVE;
  return r.outcome === 'survived' ? ExitCode.ALL_PASS : ExitCode.FAILURES;
}

export const fuzzCommand: Command = {
  name: 'fuzz',
  summary: 'fuzz an MQTT, CoAP or HTTP service (the target is the whole scope); fuzz replay <case>',
  usage: `
Usage: trustlab fuzz --target mqtt://ADDR:PORT|coap://ADDR:PORT|http://ADDR:PORT [--seed N] [--cases N] [--time S] [--out DIR] [options]
       trustlab fuzz replay <case-file> --target URL [--minimised]

Sends protocol-aware mutated cases to one service, checks between batches that the device
still answers (MQTT CONNECT, CoAP ping, HTTP GET), and on a crash, hang or reboot bisects to
the case that did it, replays it, minimises it and writes crash-*.json into --out with a
summary.json. Case N of a seed is always the same bytes. Only the target address is touched.
  --seed N           case seed (default: random, printed)
  --cases N          stop after N cases (default 100000)
  --time S           stop after S seconds, triage included (default 60)
  --out DIR          where crash files and summary.json go (default ./fuzz-results)
  --rate N           at most N cases per second (default: as fast as the device answers)
  --concurrency N    cases in flight at once (default ${FUZZ_DEFAULTS.concurrency})
  --live-every N     liveness check after every N cases (default ${FUZZ_DEFAULTS.liveEvery}; 1 = every case)
  --reply-ms N       wait per reply of a case (default ${FUZZ_DEFAULTS.replyMs})
  --liveness-ms N    wait for a liveness answer (default ${FUZZ_DEFAULTS.livenessMs})
  --reboot-wait S    how long a reboot may take before the device counts as gone (default ${FUZZ_DEFAULTS.rebootWaitMs / 1000})
  --max-crashes N    stop after N crashes (default ${FUZZ_DEFAULTS.maxCrashes})
  --no-minimise      keep failing cases as found
replay sends the saved case (--minimised: its minimised form) and exits 1 when the device
went down again, 0 when it survived, 2 when it did not answer before.`,
  async run(argv) {
    if (argv[0] === 'replay') return replay(argv.slice(1));
    const { values, positionals } = parseFlags('fuzz', argv, {
      target: { type: 'string' }, seed: { type: 'string' }, cases: { type: 'string' }, time: { type: 'string' }, out: { type: 'string' },
      rate: { type: 'string' }, concurrency: { type: 'string' }, 'live-every': { type: 'string' }, 'reply-ms': { type: 'string' },
      'liveness-ms': { type: 'string' }, 'reboot-wait': { type: 'string' }, 'max-crashes': { type: 'string' }, 'no-minimise': { type: 'boolean' },
    });
    if (positionals.length > 0) throw new TrustlabError('TL_USAGE', `fuzz: unexpected argument "${positionals[0]}" (see trustlab fuzz --help)`);
    if (values.target === undefined) throw new TrustlabError('TL_USAGE', 'fuzz needs --target URL (see trustlab fuzz --help)');
    const target = parseTarget(values.target);
    const guard = scopeFromAddresses([target.address]);
    const rate = values.rate === undefined ? undefined : whole('rate', values.rate, 0, 1);
    const report = await fuzz({
      ...target, guard,
      seed: whole('seed', values.seed, randomInt(1, 2 ** 31)),
      maxCases: whole('cases', values.cases, 100_000, 1),
      timeBudgetMs: whole('time', values.time, 60, 1) * 1000,
      concurrency: whole('concurrency', values.concurrency, FUZZ_DEFAULTS.concurrency, 1),
      liveEvery: whole('live-every', values['live-every'], FUZZ_DEFAULTS.liveEvery, 1),
      replyMs: whole('reply-ms', values['reply-ms'], FUZZ_DEFAULTS.replyMs, 1),
      livenessMs: whole('liveness-ms', values['liveness-ms'], FUZZ_DEFAULTS.livenessMs, 1),
      rebootWaitMs: whole('reboot-wait', values['reboot-wait'], FUZZ_DEFAULTS.rebootWaitMs / 1000) * 1000,
      maxCrashes: whole('max-crashes', values['max-crashes'], FUZZ_DEFAULTS.maxCrashes, 1),
      minimise: values['no-minimise'] !== true,
      ...(rate === undefined ? {} : { casesPerSecond: rate }),
    });
    const files = writeFuzzResults(values.out ?? 'fuzz-results', [report]);
    process.stdout.write(`${describe(report, files)}\n`);
    if (!report.reachable) return ExitCode.INCONCLUSIVE;
    return report.crashes.length > 0 ? ExitCode.FAILURES : ExitCode.ALL_PASS;
  },
};
