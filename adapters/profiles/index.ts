/** The built-in device profiles, registered with every run (harness/plugins/registry.ts). */
import type { ProfilePlugin } from '../../harness/plugins/types.ts';
import { templateProfile } from './template.ts';
import { virtualBenchProfile } from './virtual-bench.ts';

export const builtinProfiles: readonly ProfilePlugin[] = [templateProfile, virtualBenchProfile];
