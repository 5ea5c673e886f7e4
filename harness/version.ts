/** The trustlab version, read once from package.json so reports and the CLI agree. */
import { readFileSync } from 'node:fs';

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
/** The version recorded in every report. */
export const trustlabVersion: string = pkg.version;
