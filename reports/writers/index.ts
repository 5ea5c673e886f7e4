/** The built-in report writers, registered with every registry. */
import type { WriterPlugin } from '../../harness/plugins/types.ts';
import { jsonWriter } from './json.ts';

export const builtinWriters: readonly WriterPlugin[] = [jsonWriter];
