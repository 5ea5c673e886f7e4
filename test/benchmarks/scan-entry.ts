/**
 * `trustlab scan` without the rest of the CLI: runs the scan command's own code, so the
 * benchmark can tell the engine's time from the CLI's start-up (bin/trustlab's dispatch
 * table and tsx registration). Usage: tsx scan-entry.ts ADDR... [scan flags]
 */
import { scanCommand } from '../../harness/cli/commands/scan.ts';

process.exitCode = await scanCommand.run(process.argv.slice(2));
