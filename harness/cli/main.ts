/**
 * The CLI entry: dispatch to a command, turn every error into its coded message and named
 * exit code. Nothing imports this file (the CLI sits on top of the harness, never under it).
 */
import { asTrustlabError, ExitCode, formatError } from '../errors.ts';
import { trustlabVersion } from '../version.ts';
import type { Command } from './command.ts';
import { benchCommand } from './commands/bench.ts';
import { demoCommand } from './commands/demo.ts';
import { exportCommand } from './commands/export.ts';
import { keysCommand } from './commands/keys.ts';
import { runCommand } from './commands/run.ts';
import { scanCommand } from './commands/scan.ts';
import { suitesCommand } from './commands/suites.ts';
import { validateCommand } from './commands/validate.ts';
import { verifyCommand } from './commands/verify.ts';

const commands: Command[] = [demoCommand, runCommand, validateCommand, verifyCommand, exportCommand, keysCommand, benchCommand, scanCommand, suitesCommand];

const exitCodeHelp = `Exit codes:
  0   all test cases passed or were not applicable
  1   failures found
  2   inconclusive results present (and no failures)
  3   usage or lab-config error (nothing was run)
  4   harness fault (a bug, a missing tool, an I/O error)
  5   verification failed (trustlab verify)
  130 interrupted (resume with trustlab run --resume <run-dir>)`;

function mainHelp(): string {
  const width = Math.max(...commands.map((c) => c.name.length));
  return [
    `trustlab ${trustlabVersion}: Cyber Trust Mark test harness for IoT device labs`,
    '',
    'Usage: trustlab <command> [options]   (trustlab <command> --help for each)',
    '',
    'Commands:',
    ...commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    exitCodeHelp,
  ].join('\n');
}

/** Run the CLI with argv (without node and script); resolves to the exit code. */
export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(`${mainHelp()}\n`);
    return name === undefined ? ExitCode.USAGE_OR_CONFIG : ExitCode.ALL_PASS;
  }
  if (name === '--version' || name === '-V') {
    process.stdout.write(`${trustlabVersion}\n`);
    return ExitCode.ALL_PASS;
  }
  const command = commands.find((c) => c.name === name);
  if (!command) {
    process.stderr.write(`error TL_USAGE: unknown command "${name}"\n\n${mainHelp()}\n`);
    return ExitCode.USAGE_OR_CONFIG;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    process.stdout.write(`${command.usage.trim()}\n\n${exitCodeHelp}\n`);
    return ExitCode.ALL_PASS;
  }
  try {
    return await command.run(rest);
  } catch (err) {
    const e = asTrustlabError(err);
    process.stderr.write(`${formatError(e)}\n`);
    if (e.code === 'TL_INTERNAL' && err instanceof Error && err.stack) process.stderr.write(`${err.stack}\n`);
    return e.exitCode;
  }
}
