/** `trustlab verify <run-dir> [--key pub.pem]`: check a signed run offline. */
import { ExitCode } from '../../errors.ts';
import { loadPublicKey } from '../../../reports/keys.ts';
import { verifyRun } from '../../../reports/signed-run.ts';
import { expectPositionals, parseFlags, type Command } from '../command.ts';

export const verifyCommand: Command = {
  name: 'verify',
  summary: 'verify a signed run directory: signature, statement, manifests, every file',
  usage: `
Usage: trustlab verify <run-dir> [--key lab.pub.pem] [--json]

Checks, in order: the DSSE signature over the in-toto Statement (report.intoto.json),
every subject digest in the statement (report, manifests, exports), the BagIt tag
manifest, the payload manifest over every file under data/, and that no file in the run
directory is left uncovered. Any changed, added or removed byte fails, naming the file.
  --key PATH   the lab's public key (SPKI PEM). Without it the key bundled in the run is
               used, which shows integrity but not who signed: pass --key to check that.
  --json       print the result as JSON`,
  async run(argv) {
    const { values, positionals } = parseFlags('verify', argv, { key: { type: 'string' }, json: { type: 'boolean' } });
    expectPositionals('verify', positionals, 1, 'one run directory');
    const publicKey = values.key ? await loadPublicKey(values.key) : undefined;
    const result = await verifyRun(positionals[0]!, publicKey ? { publicKey } : {});
    if (values.json) {
      process.stdout.write(`${JSON.stringify({ ok: result.ok, problems: result.problems, notes: result.notes, exportsMatched: result.exportsMatched, keySource: result.keySource, keyId: result.keyId }, null, 2)}\n`);
    } else if (result.ok) {
      process.stdout.write(`OK: ${positionals[0]} verifies (key ${result.keyId?.slice(0, 16) ?? '?'}…, ${result.keySource === 'given' ? 'the key you gave' : 'the key bundled in the run: pass --key to check who signed'})\n`);
      if (result.exportsMatched.length > 0) process.stdout.write(`exports re-rendered from the report and identical: ${result.exportsMatched.join(', ')}\n`);
      for (const n of result.notes) process.stdout.write(`note: ${n}\n`);
    } else {
      process.stderr.write(`error TL_VERIFY: ${positionals[0]} does not verify (${result.problems.length} problem(s)):\n`);
      for (const p of result.problems) process.stderr.write(`  ${p}\n`);
    }
    return result.ok ? ExitCode.ALL_PASS : ExitCode.VERIFY_FAILED;
  },
};
