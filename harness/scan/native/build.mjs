// Build the optional native scan backend at `npm ci` (package.json "install"). It compiles
// against the running Node's own headers (nodedir = the prefix of process.execPath, e.g.
// /usr for Debian's node), so nothing is downloaded. A failed build is not fatal: the scan
// engine falls back to its JS backends, and says which backend it used.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const dir = path.dirname(fileURLToPath(import.meta.url));
const nodedir = path.resolve(process.execPath, '..', '..');
const result = spawnSync('node-gyp', ['rebuild', '-C', dir, `--nodedir=${nodedir}`], { stdio: 'inherit', shell: false });
if (result.status !== 0) {
  process.stdout.write(`trustlab: native scan backend not built (${result.error?.message ?? `node-gyp exit ${result.status}`}); the JS backend will be used\n`);
}
