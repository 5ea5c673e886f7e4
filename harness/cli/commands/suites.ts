/** `trustlab suites`: list the suites, their checks and the test cases each can emit. */
import { ExitCode } from '../../errors.ts';
import { testCaseInfo } from '../../plugins/test-cases.ts';
import { parseFlags, type Command } from '../command.ts';
import { builtinRegistry } from '../setup.ts';

export const suitesCommand: Command = {
  name: 'suites',
  summary: 'list suites, checks and the CTM test cases they cover',
  usage: `
Usage: trustlab suites

Lists the built-in suites in run order with each check's id (its path under suites/),
version and the CTM test cases it reports.`,
  async run(argv) {
    parseFlags('suites', argv, {});
    const reg = await builtinRegistry();
    for (const s of reg.suites.values()) {
      process.stdout.write(`${s.id} ${s.version}  ${s.title}${s.after.length ? `  (after ${s.after.join(', ')})` : ''}\n`);
      for (const c of s.checks) {
        const tests = c.testIds.map((t) => `${t} ${testCaseInfo(t)?.title ?? ''}`).join('; ');
        process.stdout.write(`  ${c.id} ${c.version}  ${tests}\n`);
      }
    }
    return ExitCode.ALL_PASS;
  },
};
