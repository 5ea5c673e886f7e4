/**
 * The adaptive window of connection attempts in flight to one device (AIMD, as TCP and nmap
 * do). It grows while waiting on the network dominates: answers that take longer than a
 * loop turn, or silence that is the device's norm (a firewall drop costs the device
 * nothing). It halves on loss: a timeout that proves to be a loss (the retry of a port
 * answers: RST rate limits, overload, a full backlog), resets, and local errors (EMFILE,
 * EADDRNOTAVAIL, ENOBUFS). A timeout alone does not cut: a port a firewall drops stays
 * silent on every attempt, and cutting for it would crawl through a device that drops only
 * some ports (nmap counts a drop only when a retransmission is answered, for the same
 * reason). The ceiling is the device budget and the process's share of file descriptors;
 * the engine never launches past it.
 */

/** Settings of a window; the engine derives them from the budget and the fd limit. */
export interface WindowLimits {
  initial: number;
  ceiling: number;
}

/**
 * A device whose fastest answer came back quicker than this answers within the loop turn
 * that asked (loopback, wired LAN): a larger window would only make larger batches, which
 * is slower, so answers grow the window only above it (Wi-Fi, routed paths).
 */
export const GROW_RTT_MS = 2;

/** AIMD window with slow start; all sizes are whole sockets. */
export class ScanWindow {
  private cwnd: number;
  private ssthresh = Infinity;
  private ceiling: number;
  private lastCutAt = -Infinity;
  /** Exponentially weighted share of attempts that got an answer (0..1). */
  private answeredShare = 0.5;
  private cuts = 0;

  constructor(limits: WindowLimits) {
    this.ceiling = Math.max(1, Math.floor(limits.ceiling));
    this.cwnd = Math.min(this.ceiling, Math.max(1, Math.floor(limits.initial)));
  }

  /** Attempts that may be in flight now. */
  size(): number {
    return Math.max(1, Math.min(this.ceiling, Math.floor(this.cwnd)));
  }

  /** Times the window was halved. */
  cutCount(): number {
    return this.cuts;
  }

  /** Change the ceiling (fair share of descriptors changes as devices come and go). */
  setCeiling(ceiling: number): void {
    this.ceiling = Math.max(1, Math.floor(ceiling));
    if (this.cwnd > this.ceiling) this.cwnd = this.ceiling;
  }

  /**
   * A port answered (open or closed); minRttMs is the device's lowest RTT sample, its path
   * latency without queueing or loop lag (the smoothed RTT would grow with our own batches).
   */
  onAnswer(minRttMs: number): void {
    this.answeredShare = 0.99 * this.answeredShare + 0.01;
    if (minRttMs >= GROW_RTT_MS) this.grow();
  }

  /** A port stayed silent for its whole timeout: grows the window where silence is the norm. */
  onTimeout(): void {
    this.answeredShare *= 0.99;
    if (this.answeredShare < 0.5) this.grow();
  }

  /** Evidence of loss: a retried port answered, or the device reset an attempt. */
  onLoss(now: number, rtoMs: number): void {
    this.cut(now, rtoMs);
  }

  /** The local stack refused (EMFILE, EADDRNOTAVAIL, ENOBUFS): back off at once. */
  onLocalError(now: number): void {
    this.cut(now, 10);
  }

  private grow(): void {
    if (this.cwnd >= this.ceiling) return;
    this.cwnd += this.cwnd < this.ssthresh ? 1 : 1 / this.cwnd;
  }

  // One cut per timeout interval, as TCP cuts once per window: one burst of losses is one signal.
  private cut(now: number, intervalMs: number): void {
    if (now - this.lastCutAt < intervalMs) return;
    this.lastCutAt = now;
    this.cwnd = Math.max(1, Math.floor(this.cwnd / 2));
    this.ssthresh = Math.max(2, this.cwnd);
    this.cuts++;
  }
}
