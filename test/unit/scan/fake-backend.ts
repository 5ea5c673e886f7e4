/**
 * A scripted ProbeBackend for engine tests without a network: each attempt answers open,
 * closed, an errno, or stays silent until the engine closes it; it counts sockets in flight
 * so tests can prove the budget bound.
 */
import type { ProbeBackend, ProbeRecord } from '../../../harness/scan/probe.ts';

/** What one attempt does: answer now, fail with a (negative) errno, or stay silent. */
export type FakeOutcome = 'open' | 'closed' | 'silent' | number;

/** The fake backend plus what it saw. */
export interface FakeBackend extends ProbeBackend {
  live: number;
  peak: number;
  starts: { port: number; attempt: number }[];
}

/** Build a fake whose outcome per attempt comes from `script`. */
export function fakeBackend(script: (port: number, attempt: number) => FakeOutcome, startError?: (port: number, attempt: number) => number): FakeBackend {
  const fb: FakeBackend = {
    id: 'socket',
    live: 0,
    peak: 0,
    starts: [],
    start(rec: ProbeRecord) {
      const failed = startError?.(rec.port, rec.attempt) ?? 0;
      if (failed !== 0) return failed;
      fb.starts.push({ port: rec.port, attempt: rec.attempt });
      fb.live++;
      if (fb.live > fb.peak) fb.peak = fb.live;
      rec.handle = true;
      const outcome = script(rec.port, rec.attempt);
      if (outcome !== 'silent') {
        const status = outcome === 'open' ? 0 : outcome === 'closed' ? -111 : outcome;
        // Answers arrive through the event loop, as the kernel's would.
        setImmediate(() => {
          if (!rec.done) rec.owner.onProbeDone(rec, status);
        });
      }
      return 0;
    },
    close(rec: ProbeRecord) {
      if (rec.handle) fb.live--;
      rec.handle = undefined;
    },
  };
  return fb;
}
