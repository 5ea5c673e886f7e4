/** The UDP scanner under a descriptor shortage: EMFILE is this host's fault, never a port state. */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const fixture = fileURLToPath(new URL('./fixtures/udp-under-fd-limit.ts', import.meta.url));
const root = fileURLToPath(new URL('../../../', import.meta.url));

describe('UDP scanner at the descriptor limit', () => {
  it('retries ports whose socket could not be made and still finds every port closed', () => {
    const res = spawnSync('sh', ['-c', `ulimit -n 200 && exec "${process.execPath}" --import tsx "${fixture}" 127.91.9.1 3`], { cwd: root, encoding: 'utf8', timeout: 60_000 });
    expect(res.status, res.stderr).toBe(0);
    const out = JSON.parse(res.stdout) as { counts: unknown; total: number; localErrors: number };
    expect(out).toMatchObject({ counts: { open: 0, closed: 300, 'open|filtered': 0 }, total: 300 });
    // The shortage was real: sockets failed, were not counted as attempts, and went round again.
    expect(out.localErrors).toBeGreaterThan(0);
  });
});
