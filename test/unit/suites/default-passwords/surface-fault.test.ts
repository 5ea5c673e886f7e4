import { describe, expect, it } from 'vitest';
import { TrustlabError } from '../../../../harness/errors.ts';
import type { CheckContext } from '../../../../harness/plugins/types.ts';
import { surfaceOrFault } from '../../../../suites/default-passwords/attempts.ts';
import type { Surface } from '../../../../suites/default-passwords/surfaces.ts';

// A fault on one surface must not take the other surfaces' results with it (the runner turns a
// thrown check into one inconclusive for the whole check).
const surface: Surface = { kind: 'telnet', target: { transport: 'tcp', port: 2323 }, tls: false, passwordLogin: true, detail: 'login prompt' };
const ctxWith = (signal: AbortSignal): CheckContext => ({ signal }) as unknown as CheckContext;

describe('surfaceOrFault', () => {
  it('passes the surface results through', async () => {
    const r = await surfaceOrFault(ctxWith(new AbortController().signal), 'CTM-DP-02', surface, async () => [{ testId: 'CTM-DP-02', status: 'pass', summary: 'ok' }]);
    expect(r).toEqual([{ testId: 'CTM-DP-02', status: 'pass', summary: 'ok' }]);
  });

  it('turns a coded fault into that surface\'s inconclusive, naming the code', async () => {
    const r = await surfaceOrFault(ctxWith(new AbortController().signal), 'CTM-DP-02', surface, async () => {
      throw new TrustlabError('TL_TRANSPORT', 'connection reset after 3 tries');
    });
    expect(r).toHaveLength(1);
    expect(r[0]).toMatchObject({ testId: 'CTM-DP-02', status: 'inconclusive', target: surface.target, data: { surface: 'telnet', errorCode: 'TL_TRANSPORT' } });
    expect(r[0]!.summary).toContain('telnet tcp/2323');
    expect(r[0]!.summary).toContain('connection reset after 3 tries');
  });

  it('lets bugs and aborts propagate', async () => {
    await expect(surfaceOrFault(ctxWith(new AbortController().signal), 'CTM-DP-02', surface, async () => {
      throw new TypeError('undefined is not a function');
    })).rejects.toThrow(TypeError);
    const ac = new AbortController();
    ac.abort(new Error('SIGINT'));
    await expect(surfaceOrFault(ctxWith(ac.signal), 'CTM-DP-02', surface, async () => {
      throw new TrustlabError('TL_TRANSPORT', 'aborted mid-attempt');
    })).rejects.toThrow('aborted mid-attempt');
  });
});
