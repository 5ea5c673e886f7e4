/**
 * What a CLI command is: a name, one line of summary, its usage text and one function that
 * returns the process exit code. Commands parse their own flags with node:util parseArgs.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { TrustlabError } from '../errors.ts';

export interface Command {
  name: string;
  summary: string;
  usage: string;
  run(argv: string[]): Promise<number>;
}

type Options = NonNullable<ParseArgsConfig['options']>;

/** Parse flags strictly; an unknown flag is a usage error naming the command's --help. */
export function parseFlags<O extends Options>(command: string, argv: string[], options: O) {
  try {
    return parseArgs({ args: argv, options: { ...options, help: { type: 'boolean', short: 'h' } }, allowPositionals: true, strict: true });
  } catch (err) {
    throw new TrustlabError('TL_USAGE', `${command}: ${(err as Error).message} (see trustlab ${command} --help)`);
  }
}

/** Throw a usage error unless exactly `n` positionals were given. */
export function expectPositionals(command: string, positionals: string[], n: number, what: string): void {
  if (positionals.length !== n) throw new TrustlabError('TL_USAGE', `${command} expects ${what} (see trustlab ${command} --help)`);
}
