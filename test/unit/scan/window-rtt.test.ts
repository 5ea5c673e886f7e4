import { describe, expect, it } from 'vitest';
import { RttEstimator, SCAN_TIMEOUTS } from '../../../harness/scan/rtt.ts';
import { GROW_RTT_MS, ScanWindow } from '../../../harness/scan/window.ts';

describe('ScanWindow (AIMD)', () => {
  it('starts at the initial size, clamped to the ceiling and to at least 1', () => {
    expect(new ScanWindow({ initial: 64, ceiling: 1000 }).size()).toBe(64);
    expect(new ScanWindow({ initial: 64, ceiling: 8 }).size()).toBe(8);
    expect(new ScanWindow({ initial: 0, ceiling: 8 }).size()).toBe(1);
  });

  it('does not grow for answers from a device that answers within a loop turn (loopback, wired LAN)', () => {
    const w = new ScanWindow({ initial: 10, ceiling: 1000 });
    for (let i = 0; i < 500; i++) w.onAnswer(GROW_RTT_MS / 10);
    expect(w.size()).toBe(10);
  });

  it('grows by one per answer in slow start where the path has latency, up to the ceiling', () => {
    const w = new ScanWindow({ initial: 10, ceiling: 50 });
    for (let i = 0; i < 15; i++) w.onAnswer(GROW_RTT_MS * 5);
    expect(w.size()).toBe(25);
    for (let i = 0; i < 100; i++) w.onAnswer(GROW_RTT_MS * 5);
    expect(w.size()).toBe(50);
  });

  it('grows on timeouts once silence is the norm (a firewall), never past the ceiling', () => {
    const w = new ScanWindow({ initial: 10, ceiling: 4096 });
    for (let i = 0; i < 5000; i++) w.onTimeout();
    expect(w.size()).toBe(4096);
  });

  it('does not cut for silence from a device that mostly answers (a few filtered ports)', () => {
    const w = new ScanWindow({ initial: 100, ceiling: 1000 });
    for (let i = 0; i < 50; i++) w.onAnswer(0.1);
    for (let i = 0; i < 1000; i++) {
      w.onAnswer(0.1);
      if (i % 10 === 0) w.onTimeout();
    }
    expect(w.size()).toBe(100);
    expect(w.cutCount()).toBe(0);
  });

  it('halves on loss at most once per timeout interval, and then grows by 1/cwnd', () => {
    const w = new ScanWindow({ initial: 64, ceiling: 1000 });
    w.onLoss(1000, 50);
    w.onLoss(1010, 50);
    expect(w.size()).toBe(32);
    w.onLoss(1060, 50);
    expect(w.size()).toBe(16);
    expect(w.cutCount()).toBe(2);
    // Congestion avoidance: about one more per window of answers.
    for (let i = 0; i < 20; i++) w.onAnswer(10);
    expect(w.size()).toBe(17);
  });

  it('backs off at once on local errors and follows a lowered ceiling', () => {
    const w = new ScanWindow({ initial: 64, ceiling: 1000 });
    w.onLocalError(5);
    expect(w.size()).toBe(32);
    w.setCeiling(10);
    expect(w.size()).toBe(10);
    w.setCeiling(0);
    expect(w.size()).toBe(1);
  });
});

describe('RttEstimator (RFC 6298) and the retry schedule', () => {
  it('uses the 1 s initial timeout until the first sample', () => {
    const e = new RttEstimator();
    expect(e.hasSample()).toBe(false);
    expect(e.timeoutMs()).toBe(SCAN_TIMEOUTS.initialMs);
    expect(e.timeoutForAttempt(2)).toBe(2000);
  });

  it('first sample: srtt = R, rttvar = R/2; later: rttvar from the old srtt, then srtt', () => {
    const e = new RttEstimator();
    e.sample(100);
    expect(e.timeoutMs()).toBe(300);
    e.sample(200);
    expect(e.timeoutMs()).toBeCloseTo(112.5 + 4 * 62.5, 9);
    expect(e.smoothed()).toBe(112.5);
    expect(e.minimum()).toBe(100);
  });

  it.each([
    [[0], 1, SCAN_TIMEOUTS.minMs],
    [[0], 2, SCAN_TIMEOUTS.retryMinMs],
    [[0], 3, 2 * SCAN_TIMEOUTS.retryMinMs],
    [[40], 1, 120],
    [[40], 2, 240],
    [[2000], 1, SCAN_TIMEOUTS.maxMs],
    [[2000], 3, SCAN_TIMEOUTS.maxMs],
  ])('samples %j give attempt %i a timeout of %i ms', (samples, attempt, expected) => {
    const e = new RttEstimator();
    for (const s of samples) e.sample(s);
    expect(e.timeoutForAttempt(attempt)).toBe(expected);
  });

  it('ignores negative and NaN samples', () => {
    const e = new RttEstimator();
    e.sample(-1);
    e.sample(Number.NaN);
    expect(e.hasSample()).toBe(false);
  });
});
