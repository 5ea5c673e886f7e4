import { describe, expect, it } from 'vitest';
import { defaultBackend } from '../../../harness/scan/backend.ts';
import { nativeBackendIfAvailable } from '../../../harness/scan/native-backend.ts';
import { rawBackendIfAvailable } from '../../../harness/scan/probe.ts';

describe('probe backend choice', () => {
  it('prefers the native addon, then the raw TCP handle, then net.Socket, and keeps its choice', () => {
    const expected = process.env.TRUSTLAB_SCAN_BACKEND === undefined
      ? (nativeBackendIfAvailable() ? 'native' : rawBackendIfAvailable() ? 'raw' : 'socket')
      : undefined;
    const chosen = defaultBackend();
    if (expected) expect(chosen.id).toBe(expected);
    expect(defaultBackend()).toBe(chosen);
  });

  it('the raw backend exists on this Node (tcp_wrap binding present)', () => {
    expect(rawBackendIfAvailable()?.id).toBe('raw');
  });
});
