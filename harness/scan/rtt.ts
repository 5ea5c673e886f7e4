/**
 * Round-trip estimation for the scan engine (RFC 6298 2.2/2.3) and the timeouts it gives.
 * Samples are taken when an answer is processed, which under load includes event-loop lag;
 * the engine feeds at most one sample per device per loop turn, the smallest of that turn,
 * so a busy loop cannot inflate the timeout for dropped ports.
 */

/** Timeout bounds and the retry schedule of unanswered ports, in milliseconds. */
export const SCAN_TIMEOUTS = Object.freeze({
  /** RFC 6298's initial RTO: used until the device has answered once. */
  initialMs: 1000,
  /** Floor of the first-attempt timeout: loopback answers in microseconds, but a loop turn can take tens of ms. */
  minMs: 50,
  /** Ceiling: a bench device across Wi-Fi answers in tens of ms; 3 s is nmap's -T4 maximum. */
  maxMs: 3000,
  /**
   * Floor of the first retry's timeout: a retry exists for SYNs dropped by a full accept
   * queue or lost on the wire, so it waits longer than the loop's worst turn.
   */
  retryMinMs: 100,
});

/** Smoothed RTT and variance (RFC 6298) with the floor and ceiling of SCAN_TIMEOUTS. */
export class RttEstimator {
  private srtt: number | undefined;
  private rttvar = 0;
  private lowest = Infinity;

  /** Feed one round-trip sample in milliseconds. */
  sample(ms: number): void {
    if (!(ms >= 0)) return;
    if (ms < this.lowest) this.lowest = ms;
    if (this.srtt === undefined) {
      this.srtt = ms;
      this.rttvar = ms / 2;
    } else {
      this.rttvar = 0.75 * this.rttvar + 0.25 * Math.abs(this.srtt - ms);
      this.srtt = 0.875 * this.srtt + 0.125 * ms;
    }
  }

  /** True once any sample arrived. */
  hasSample(): boolean {
    return this.srtt !== undefined;
  }

  /** The smoothed RTT (ms), or undefined before the first sample. */
  smoothed(): number | undefined {
    return this.srtt;
  }

  /** The lowest sample seen (ms): the device's RTT without queueing or loop lag. */
  minimum(): number | undefined {
    return this.lowest === Infinity ? undefined : this.lowest;
  }

  /** Timeout for a port's first attempt: srtt + 4 * rttvar, clamped. */
  timeoutMs(): number {
    if (this.srtt === undefined) return SCAN_TIMEOUTS.initialMs;
    return clamp(this.srtt + 4 * this.rttvar, SCAN_TIMEOUTS.minMs, SCAN_TIMEOUTS.maxMs);
  }

  /** Timeout for attempt n (1-based): doubled per retry (RFC 6298 5.5 back-off), with the retry floor. */
  timeoutForAttempt(attempt: number): number {
    const base = this.timeoutMs();
    if (attempt <= 1) return base;
    const factor = 2 ** (attempt - 1);
    return clamp(base * factor, SCAN_TIMEOUTS.retryMinMs * (factor / 2), SCAN_TIMEOUTS.maxMs);
  }
}

function clamp(x: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, x));
}
