/** `trustlab keys init`: create the lab's Ed25519 signing key pair. */
import { ExitCode, TrustlabError } from '../../errors.ts';
import { initKeyPair } from '../../../reports/keys.ts';
import { parseFlags, type Command } from '../command.ts';

export const keysCommand: Command = {
  name: 'keys',
  summary: 'create the lab signing key pair (keys init)',
  usage: `
Usage: trustlab keys init [--out PATH] [--force]

Creates an Ed25519 key pair for signing runs: the private key as PKCS8 PEM (file mode
0600) at PATH (default ./lab-signing.key.pem), the public key as SPKI PEM beside it
(<name>.pub.pem). Give the private key's path as lab.key in the lab config; hand the
public key to the label administrator (trustlab verify --key, cosign, securesystemslib).
  --out PATH   where to write the private key
  --force      overwrite an existing key (the old one is lost)`,
  async run(argv) {
    const { values, positionals } = parseFlags('keys', argv, { out: { type: 'string' }, force: { type: 'boolean' } });
    if (positionals[0] !== 'init' || positionals.length !== 1) throw new TrustlabError('TL_USAGE', 'keys expects the subcommand "init" (see trustlab keys --help)');
    const paths = await initKeyPair(values.out ?? 'lab-signing.key.pem', { force: values.force === true });
    process.stdout.write(`private key: ${paths.privatePath} (mode 0600, keep it secret)\npublic key:  ${paths.publicPath}\n`);
    return ExitCode.ALL_PASS;
  },
};
