/** The built-in report writers: json renders data/report.json, the rest render into data/exports/. */
import type { WriterPlugin } from '../../harness/plugins/types.ts';
import { htmlWriter } from './html.ts';
import { jsonWriter } from './json.ts';
import { junitWriter } from './junit.ts';
import { oscalPlanWriter } from './oscal-plan.ts';
import { oscalWriter } from './oscal.ts';
import { registryWriter } from './registry.ts';
import { sarifWriter } from './sarif.ts';

/** Registered with every registry (harness/cli/setup.ts), so `run` and `demo` write every export. */
export const builtinWriters: readonly WriterPlugin[] = [jsonWriter, oscalWriter, oscalPlanWriter, sarifWriter, junitWriter, htmlWriter, registryWriter];
