/**
 * The process-wide scan engine: every device being scanned is a job on it. It owns what the
 * jobs share: the socket cap from the file descriptor limit (split fairly between jobs),
 * one sweep timer for every timeout (a timer wheel checked every SWEEP_MS, never a timer per
 * socket), and the loop-turn batching that keeps RTT samples honest under load.
 */
import { performance } from 'node:perf_hooks';
import { MIN_SOCKET_CAP, socketCapacity } from './fd-limit.ts';

/** How often unanswered attempts are checked: well under the timeout floor. */
export const SWEEP_MS = 10;

/** What the engine asks of a job. */
export interface EngineJob {
  /** Give the job a new ceiling for its window (its share of descriptors). */
  setShare(sockets: number): void;
  /** End of a loop turn in which the job got answers: feed RTT, launch more. */
  endTurn(): void;
  /** Time out what is due and launch more. */
  sweep(now: number): void;
}

/** Shared state of all running scans in this process. */
export class ScanEngine {
  private readonly jobs = new Set<EngineJob>();
  private cap: number;
  private inFlightNow = 0;
  private peak = 0;
  private timer: NodeJS.Timeout | undefined;
  private turnStamp = 0;

  constructor(cap?: number) {
    this.cap = Math.max(MIN_SOCKET_CAP, cap ?? socketCapacity());
  }

  /** Sockets the engine may hold across all jobs. */
  capacity(): number {
    return this.cap;
  }

  /** Sockets in flight now, and the most ever. */
  inFlight(): number {
    return this.inFlightNow;
  }
  peakInFlight(): number {
    return this.peak;
  }

  /** True while another socket fits under the cap. */
  hasRoom(): boolean {
    return this.inFlightNow < this.cap;
  }

  /** Count a socket opened / closed. */
  opened(): void {
    if (++this.inFlightNow > this.peak) this.peak = this.inFlightNow;
  }
  closed(): void {
    this.inFlightNow--;
  }

  /** Register a job; it gets its share and the sweep runs while any job is registered. */
  add(job: EngineJob): void {
    this.jobs.add(job);
    this.rebalance();
    // Ref'd: a scan waiting for a budget slot held elsewhere has no socket keeping the loop alive.
    this.timer ??= setInterval(this.tick, SWEEP_MS);
  }

  /** Unregister a finished or aborted job. */
  remove(job: EngineJob): void {
    if (!this.jobs.delete(job)) return;
    this.rebalance();
    if (this.jobs.size === 0 && this.timer) {
      clearInterval(this.timer);
      this.timer = undefined;
    }
  }

  /**
   * A clock that advances only while the event loop waits for I/O (libuv's idle time): an
   * answer cannot be read while the loop runs anything else, so RTT = idle(read) - idle(sent)
   * leaves out the lag of our own batches and of other work (eight devices at once would
   * otherwise read as a slow network). It is a lower bound, exact while the loop is idle;
   * under load the timeout floor and the doubled retry timeout cover the difference.
   */
  idleClock(): number {
    return performance.eventLoopUtilization().idle;
  }

  /**
   * The time of the current loop turn's answers. Taken once per turn, right after the poll
   * phase delivered them, so an answer is never charged the time spent on the answers
   * processed before it; the turn ends in the check phase, where jobs launch again.
   */
  stamp(): number {
    if (this.turnStamp === 0) {
      this.turnStamp = performance.now();
      setImmediate(this.endTurn);
    }
    return this.turnStamp;
  }

  /** The kernel said EMFILE/ENFILE: lower the cap below what is in flight now. */
  lowerCap(): void {
    this.cap = Math.max(MIN_SOCKET_CAP, Math.floor(this.inFlightNow * 0.9));
    this.rebalance();
  }

  private rebalance(): void {
    const share = Math.max(1, Math.floor(this.cap / Math.max(1, this.jobs.size)));
    for (const j of this.jobs) j.setShare(share);
  }

  private readonly endTurn = (): void => {
    this.turnStamp = 0;
    for (const j of [...this.jobs]) j.endTurn();
  };

  // The sweep runs in the check phase, after the poll phase has delivered every answer that
  // arrived while the loop was busy: a late-processed answer is never taken for a timeout.
  private readonly tick = (): void => {
    setImmediate(this.sweepAll);
  };

  private readonly sweepAll = (): void => {
    const now = performance.now();
    for (const j of [...this.jobs]) j.sweep(now);
  };
}

let shared: ScanEngine | undefined;

/** The engine every scan in this process shares. */
export function sharedEngine(): ScanEngine {
  shared ??= new ScanEngine();
  return shared;
}
