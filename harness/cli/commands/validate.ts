/** `trustlab validate <config>`: check a lab config and report every problem at once. */
import { ExitCode } from '../../errors.ts';
import { expectPositionals, parseFlags, type Command } from '../command.ts';
import { loadWithRegistry } from '../setup.ts';

export const validateCommand: Command = {
  name: 'validate',
  summary: 'check a lab config: every error with file, line and JSON path',
  usage: `
Usage: trustlab validate <config.yaml> [--json]

Checks the lab config against its JSON Schema (lab-configs/schema/lab-config.schema.json)
and what a schema cannot see (device addresses inside network.scope, unique ids, known
suites, loadable plugins). Every problem is listed as file:line:col path: message.
  --json   print the normalised config (defaults applied, credentials redacted)`,
  async run(argv) {
    const { values, positionals } = parseFlags('validate', argv, { json: { type: 'boolean' } });
    expectPositionals('validate', positionals, 1, 'one lab config path');
    const { loaded } = await loadWithRegistry(positionals[0]!);
    if (values.json) {
      const redacted = JSON.parse(JSON.stringify(loaded.config)) as { devices: { credentials?: unknown[] }[] };
      for (const d of redacted.devices) if (d.credentials) d.credentials = d.credentials.map(() => '[redacted]');
      process.stdout.write(`${JSON.stringify(redacted, null, 2)}\n`);
    } else {
      const c = loaded.config;
      process.stdout.write(`${positionals[0]}: valid (${c.devices.length} device(s), suites: ${c.suites.join(', ')}, sha256 ${loaded.digest.slice(0, 16)}…)\n`);
    }
    return ExitCode.ALL_PASS;
  },
};
