/**
 * `trustlab scan` without the rest of the CLI: runs the scan command's own code, so the
 * benchmark can tell the engine's time from the CLI's start-up (bin/trustlab loads every
 * command's modules before it dispatches). Usage: tsx scan-entry.ts ADDR... [scan flags]
 */
import { scanCommand } from '../../harness/cli/commands/scan.ts';

process.exitCode = await scanCommand.run(process.argv.slice(2));
