/**
 * The one error catalogue. Every fault of the harness, the transport or the input carries a
 * stable code from here; messages say what to do. Device behaviour (a closed port, a rejected
 * login) is never an error: it is a value in a finding.
 */

/** Named process exit codes, documented in README.md. */
export const ExitCode = {
  /** Every test case passed or was not applicable. */
  ALL_PASS: 0,
  /** At least one test case failed. */
  FAILURES: 1,
  /** No failures, but at least one test case was inconclusive. */
  INCONCLUSIVE: 2,
  /** Bad command line or lab config: nothing was run. */
  USAGE_OR_CONFIG: 3,
  /** The harness itself failed (a bug, a missing tool, an I/O fault). */
  HARNESS_FAULT: 4,
  /** Verification of a signed run failed. */
  VERIFY_FAILED: 5,
  /** The run was interrupted (SIGINT/SIGTERM); it can be resumed. */
  INTERRUPTED: 130,
} as const;
export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

interface CatalogueEntry {
  /** Exit code the CLI uses when this error ends a command. */
  exit: ExitCodeValue;
  /** What the user should do about it. */
  hint: string;
}

/** Every code the harness can raise. Codes are stable: add, never rename. */
export const ERRORS = {
  TL_USAGE: { exit: ExitCode.USAGE_OR_CONFIG, hint: 'Run the command with --help for its usage.' },
  TL_CONFIG_READ: { exit: ExitCode.USAGE_OR_CONFIG, hint: 'Check the path and that the file is readable.' },
  TL_CONFIG_YAML: { exit: ExitCode.USAGE_OR_CONFIG, hint: 'Fix the YAML syntax at the line shown.' },
  TL_CONFIG_INVALID: { exit: ExitCode.USAGE_OR_CONFIG, hint: 'Fix each listed field; `trustlab validate <config>` re-checks.' },
  TL_SCOPE_VIOLATION: { exit: ExitCode.USAGE_OR_CONFIG, hint: 'Add the address to network.scope only if it is on your isolated bench.' },
  TL_SCOPE_INVALID: { exit: ExitCode.USAGE_OR_CONFIG, hint: 'Give scope entries as IPv4/IPv6 addresses or CIDRs.' },
  TL_PLUGIN_INVALID: { exit: ExitCode.USAGE_OR_CONFIG, hint: 'Fix the plugin metadata listed; see ARCHITECTURE.md "Plugins".' },
  TL_PLUGIN_LOAD: { exit: ExitCode.USAGE_OR_CONFIG, hint: 'Check the plugin path or package name in the lab config.' },
  TL_PLUGIN_DUPLICATE: { exit: ExitCode.USAGE_OR_CONFIG, hint: 'Two plugins share one id; rename or remove one.' },
  TL_SUITE_UNKNOWN: { exit: ExitCode.USAGE_OR_CONFIG, hint: 'List suites with `trustlab suites`.' },
  TL_KEY_READ: { exit: ExitCode.USAGE_OR_CONFIG, hint: 'Create a key with `trustlab keys init` or fix lab.key.' },
  TL_KEY_EXISTS: { exit: ExitCode.USAGE_OR_CONFIG, hint: 'Pass --force to overwrite, or choose another --out.' },
  TL_RUN_DIR: { exit: ExitCode.USAGE_OR_CONFIG, hint: 'Give a run directory written by `trustlab run`.' },
  TL_RESUME_MISMATCH: { exit: ExitCode.USAGE_OR_CONFIG, hint: 'Resume with the same lab config the run started with.' },
  TL_RESUME_FINISHED: { exit: ExitCode.USAGE_OR_CONFIG, hint: 'The run has already finished; start a new one.' },
  TL_JOURNAL_CORRUPT: { exit: ExitCode.HARNESS_FAULT, hint: 'The journal has a damaged line that is not the last; keep it as evidence and start a new run.' },
  TL_TOOL_MISSING: { exit: ExitCode.HARNESS_FAULT, hint: 'Install the named tool (see .ci/run for the Debian packages).' },
  TL_PRIVILEGE: { exit: ExitCode.HARNESS_FAULT, hint: 'Run as root for network namespaces, or use the loopback bench.' },
  TL_NETNS: { exit: ExitCode.HARNESS_FAULT, hint: 'Network namespace setup failed; see the message for the ip/nft command.' },
  TL_BENCH: { exit: ExitCode.HARNESS_FAULT, hint: 'A virtual bench device failed to start; see the message.' },
  TL_TRANSPORT: { exit: ExitCode.HARNESS_FAULT, hint: 'A socket failed in a way that is not device behaviour.' },
  TL_REPORT_INVALID: { exit: ExitCode.HARNESS_FAULT, hint: 'The report failed its schema: a harness bug; the journal keeps every finding.' },
  TL_SIGN: { exit: ExitCode.HARNESS_FAULT, hint: 'Signing failed; check the key file.' },
  TL_VERIFY: { exit: ExitCode.VERIFY_FAILED, hint: 'The run directory does not match its signature: do not accept it.' },
  TL_WRITER_FAULT: { exit: ExitCode.HARNESS_FAULT, hint: 'A report writer failed; its export was skipped and the signed report is intact.' },
  TL_CHECK_FAULT: { exit: ExitCode.HARNESS_FAULT, hint: 'A check threw; its result is recorded as inconclusive.' },
  TL_INTERNAL: { exit: ExitCode.HARNESS_FAULT, hint: 'A harness bug; please report it with the journal.' },
  TL_PROFILE: { exit: ExitCode.HARNESS_FAULT, hint: 'The device profile could not drive the device (access refused, unexpected answer): check profileAccess and the profile.' },
  TL_FUZZ_CASE: { exit: ExitCode.USAGE_OR_CONFIG, hint: 'Give a case file written by `trustlab fuzz` (crash-*.json in its --out directory).' },
} as const satisfies Record<string, CatalogueEntry>;

export type ErrorCode = keyof typeof ERRORS;

/** The harness's only error type: a stable code, a message and optional details. */
export class TrustlabError extends Error {
  readonly code: ErrorCode;
  readonly details: readonly string[];
  constructor(code: ErrorCode, message: string, options: { details?: readonly string[]; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'TrustlabError';
    this.code = code;
    this.details = options.details ?? [];
  }
  get exitCode(): ExitCodeValue {
    return ERRORS[this.code].exit;
  }
  get hint(): string {
    return ERRORS[this.code].hint;
  }
}

/** Narrow an unknown throw to a TrustlabError, wrapping anything else as TL_INTERNAL. */
export function asTrustlabError(err: unknown): TrustlabError {
  if (err instanceof TrustlabError) return err;
  const message = err instanceof Error ? err.message : String(err);
  return new TrustlabError('TL_INTERNAL', message, { cause: err });
}

/** One line per error for the terminal: `code: message` then details and the hint. */
export function formatError(err: TrustlabError): string {
  const lines = [`error ${err.code}: ${err.message}`];
  for (const d of err.details) lines.push(`  ${d}`);
  lines.push(`  hint: ${err.hint}`);
  return lines.join('\n');
}
