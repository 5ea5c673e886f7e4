/**
 * The CLI entry: dispatch to a command, turn every error into its coded message and named
 * exit code. Nothing imports this file (the CLI sits on top of the harness, never under it).
 */
import { asTrustlabError, ExitCode, formatError } from '../errors.ts';
import { trustlabVersion } from '../version.ts';
import type { Command } from './command.ts';

/**
 * Commands are imported only when run: loading every command pulls in the whole harness
 * (suites, writers, playwright, ssh2), which costs ~0.3 s before a quick `trustlab scan`.
 * The summary lives here so `trustlab --help` loads nothing.
 */
interface CommandEntry {
  name: string;
  summary: string;
  load(): Promise<Command>;
}

const commands: CommandEntry[] = [
  { name: 'demo', summary: 'start the virtual bench and run every suite on it (npm start)', load: async () => (await import('./commands/demo.ts')).demoCommand },
  { name: 'run', summary: 'run the lab config\'s suites and write a signed run directory', load: async () => (await import('./commands/run.ts')).runCommand },
  { name: 'validate', summary: 'check a lab config: every error with file, line and JSON path', load: async () => (await import('./commands/validate.ts')).validateCommand },
  { name: 'verify', summary: 'verify a signed run directory: signature, statement, manifests, every file', load: async () => (await import('./commands/verify.ts')).verifyCommand },
  { name: 'export', summary: 'render an export (oscal, sarif, junit, html, registry) of a finished run', load: async () => (await import('./commands/export.ts')).exportCommand },
  { name: 'keys', summary: 'create the lab signing key pair (keys init)', load: async () => (await import('./commands/keys.ts')).keysCommand },
  { name: 'bench', summary: 'start or stop the virtual bench of a config (bench up|down <config>)', load: async () => (await import('./commands/bench.ts')).benchCommand },
  { name: 'scan', summary: 'ad-hoc TCP scan of the addresses given (they are the whole scope)', load: async () => (await import('./commands/scan.ts')).scanCommand },
  { name: 'suites', summary: 'list suites, checks and the CTM test cases they cover', load: async () => (await import('./commands/suites.ts')).suitesCommand },
  { name: 'fuzz', summary: 'fuzz an MQTT, CoAP or HTTP service (the target is the whole scope); fuzz replay <case>', load: async () => (await import('./commands/fuzz.ts')).fuzzCommand },
];

/** Name and summary of every command, in help order. */
export function commandTable(): Array<{ name: string; summary: string }> {
  return commands.map(({ name, summary }) => ({ name, summary }));
}

/** Every command, loaded (for tests that check each usage text against its entry). */
export async function loadAllCommands(): Promise<Command[]> {
  return Promise.all(commands.map((c) => c.load()));
}

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
  const entry = commands.find((c) => c.name === name);
  if (!entry) {
    process.stderr.write(`error TL_USAGE: unknown command "${name}"\n\n${mainHelp()}\n`);
    return ExitCode.USAGE_OR_CONFIG;
  }
  try {
    const command = await entry.load();
    if (rest.includes('--help') || rest.includes('-h')) {
      process.stdout.write(`${command.usage.trim()}\n\n${exitCodeHelp}\n`);
      return ExitCode.ALL_PASS;
    }
    return await command.run(rest);
  } catch (err) {
    const e = asTrustlabError(err);
    process.stderr.write(`${formatError(e)}\n`);
    if (e.code === 'TL_INTERNAL' && err instanceof Error && err.stack) process.stderr.write(`${err.stack}\n`);
    return e.exitCode;
  }
}
