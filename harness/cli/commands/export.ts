/**
 * `trustlab export <run-dir> --format F [--out FILE]`: render one export of a finished run
 * after the fact, from its data/report.json, with the same writer that `run` and `demo` use
 * (so the result is byte-identical to the copy in the bag when the trustlab versions agree).
 */
import { readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { createAjv } from '../../config/ajv.ts';
import { ExitCode, TrustlabError } from '../../errors.ts';
import type { WriterPlugin } from '../../plugins/types.ts';
import { builtinWriters } from '../../../reports/writers/index.ts';
import { expectPositionals, parseFlags, type Command } from '../command.ts';

const exportWriters = builtinWriters.filter((w) => w.id !== 'json');
const formats = exportWriters.map((w) => w.id);
/** The OSCAL results import the plan by a relative href: written together, the plan beside them. */
const COMPANIONS: Record<string, string[]> = { oscal: ['oscal-ap'] };

function writerFor(id: string): WriterPlugin {
  const w = exportWriters.find((x) => x.id === id);
  if (!w) throw new TrustlabError('TL_USAGE', `export: unknown --format "${id}"; one of ${formats.join(', ')}`);
  return w;
}

function readReport(runDir: string): unknown {
  const file = path.join(runDir, 'data', 'report.json');
  let report: unknown;
  try {
    report = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new TrustlabError('TL_RUN_DIR', `${file}: cannot read the run's report (${(err as Error).message})`);
  }
  // Writers trust their input to be a valid report; an edited or foreign file is refused here.
  const schema = JSON.parse(readFileSync(new URL('../../../reports/schema/report.schema.json', import.meta.url), 'utf8')) as object;
  const validate = createAjv({ allErrors: true, strict: false }).compile(schema);
  if (!validate(report)) {
    const details = (validate.errors ?? []).slice(0, 10).map((e) => `${e.instancePath || '(root)'} ${e.message ?? ''}`);
    throw new TrustlabError('TL_RUN_DIR', `${file}: is not a valid trustlab report`, { details });
  }
  return report;
}

/** The `export` command. */
export const exportCommand: Command = {
  name: 'export',
  summary: 'render an export (oscal, sarif, junit, html, registry) of a finished run',
  usage: `
Usage: trustlab export <run-dir> --format FORMAT [--out FILE]

Renders one export of a finished run from its data/report.json, with the writer that
\`trustlab run\` and \`demo\` use to put every export into the signed bag (data/exports/).
FORMAT is one of:
  oscal      OSCAL 1.2.1 assessment results; with --out, the assessment plan they import
             (oscal-assessment-plan.json) is written beside FILE
  oscal-ap   the OSCAL assessment plan alone
  sarif      SARIF 2.1.0: rules = test cases, results per verdict
  junit      JUnit XML: one testsuite per device x suite
  html       the human report; it links evidence as ../evidence/<file>, so keep it in a
             folder beside the run's data/evidence/ (as data/exports/ is)
  registry   draft of the 47 CFR 8.222 registry fields, contradictions flagged (CTM-DOC-02)
  --out FILE   write to FILE (default: standard output)
An export rendered here is not signed: the signed copies are in <run-dir>/data/exports/,
and \`trustlab verify\` checks that they match the report.`,
  async run(argv) {
    const { values, positionals } = parseFlags('export', argv, { format: { type: 'string' }, out: { type: 'string' } });
    expectPositionals('export', positionals, 1, 'one run directory');
    if (!values.format) throw new TrustlabError('TL_USAGE', `export: --format is required; one of ${formats.join(', ')}`);
    const writer = writerFor(values.format);
    const report = readReport(positionals[0]!);
    const bytes = writer.render(report);
    if (!values.out) {
      process.stdout.write(bytes);
      return ExitCode.ALL_PASS;
    }
    const out = path.resolve(values.out);
    await mkdir(path.dirname(out), { recursive: true });
    await writeFile(out, bytes);
    process.stderr.write(`wrote ${writer.id} to ${values.out}\n`);
    for (const id of COMPANIONS[writer.id] ?? []) {
      const companion = writerFor(id);
      const file = path.join(path.dirname(out), path.basename(companion.fileName));
      if (file === out) throw new TrustlabError('TL_USAGE', `export: --out ${values.out} is where the ${companion.id} companion goes; choose another name`);
      await writeFile(file, companion.render(report));
      process.stderr.write(`wrote ${companion.id} to ${path.join(path.dirname(values.out), path.basename(companion.fileName))}\n`);
    }
    return ExitCode.ALL_PASS;
  },
};
