/**
 * One device's TCP scan on the shared engine: a randomised port order, a window of attempts
 * held under the device budget (one budget slot per socket, taken with tryAcquireSocket and
 * given back when the socket closes), timeouts from the device's RTT, retries of unanswered
 * ports with a doubled timeout, and every final state streamed as it is known.
 */
import { TrustlabError } from '../errors.ts';
import type { DeviceBudgetGate } from '../scheduler/budget.ts';
import type { ScanEngine, EngineJob } from './engine.ts';
import { LOCAL_ERRORS as LOCAL, STATUS, type ProbeBackend, type ProbeOwner, type ProbeRecord } from './probe.ts';
import { RttEstimator } from './rtt.ts';
import type { TcpPortResult, TcpPortState } from './types.ts';
import { ScanWindow } from './window.ts';

/** Attempts per port: one retry always; a third when the device showed loss (a retry answered). */
export const BASE_ATTEMPTS = 2;
export const LOSSY_ATTEMPTS = 3;
/** Local errors in a row (EADDRNOTAVAIL, ENOBUFS, ...) before the scan gives up as a harness fault. */
const MAX_LOCAL_ERRORS_IN_ROW = 2000;
/** A local error pauses the device this long before it launches again. */
const LOCAL_BACKOFF_MS = 10;

const STATE_CODE: Record<TcpPortState, number> = { open: 1, closed: 2, filtered: 3 };

/** What a job needs to run. */
export interface TcpJobOptions {
  engine: ScanEngine;
  backend: ProbeBackend;
  address: string;
  ipv6: boolean;
  order: readonly number[];
  budget: DeviceBudgetGate;
  initialWindow: number;
  onSettled(result: TcpPortResult): void;
  onFinished(error?: Error): void;
}

/** The scan of one device; finished through onFinished exactly once. */
export class TcpJob implements ProbeOwner, EngineJob {
  readonly rtt = new RttEstimator();
  readonly window: ScanWindow;
  readonly counts: Record<TcpPortState, number> = { open: 0, closed: 0, filtered: 0 };
  settledCount = 0;
  lossSeen = false;
  peakWindow = 0;
  private next = 0;
  private retries: number[] = [];
  private nextRetry = 0;
  private silent: number[] = [];
  private readonly queues: ProbeRecord[][] = Array.from({ length: LOSSY_ATTEMPTS }, () => []);
  private readonly heads = new Array<number>(LOSSY_ATTEMPTS).fill(0);
  private readonly tries = new Uint8Array(65536);
  private readonly state = new Uint8Array(65536);
  private inFlight = 0;
  private turnMin = Infinity;
  private backoffUntil = 0;
  private localErrorsInRow = 0;
  private finished = false;

  constructor(private readonly o: TcpJobOptions) {
    this.window = new ScanWindow({ initial: o.initialWindow, ceiling: o.budget.limits.maxSockets });
  }

  setShare(sockets: number): void {
    this.window.setCeiling(Math.min(this.o.budget.limits.maxSockets, sockets));
  }

  /** Launch attempts until the window, the budget or the engine's cap is full. */
  pump(): void {
    if (this.finished || performance.now() < this.backoffUntil) return;
    const { engine, budget, backend, address, ipv6, order } = this.o;
    const limit = this.window.size();
    if (limit > this.peakWindow) this.peakWindow = limit;
    // Constant through this synchronous run: the loop is not idle while we launch.
    const idle = engine.idleClock();
    while (this.inFlight < limit && engine.hasRoom()) {
      const fromRetry = this.nextRetry < this.retries.length;
      if (!fromRetry && this.next >= order.length) break;
      const release = budget.tryAcquireSocket();
      if (!release) break;
      const port = fromRetry ? this.retries[this.nextRetry++]! : order[this.next++]!;
      const attempt = ++this.tries[port]!;
      const sentAt = performance.now();
      const rec: ProbeRecord = { owner: this, port, attempt, sentAt, sentIdle: idle, done: false, handle: undefined, release };
      const err = backend.start(rec, address, ipv6);
      if (err !== 0) {
        rec.done = true;
        release();
        if (!this.failedToStart(rec, err)) return;
        continue;
      }
      this.queues[attempt - 1]!.push(rec);
      this.inFlight++;
      engine.opened();
    }
    if (this.nextRetry > 4096 && this.nextRetry === this.retries.length) {
      this.retries = [];
      this.nextRetry = 0;
    }
    this.maybeFinish();
  }

  onProbeDone(rec: ProbeRecord, status: number): void {
    const engine = this.o.engine;
    const now = engine.stamp();
    this.close(rec);
    if (status === 0 || status === STATUS.ECONNREFUSED || status === STATUS.ECONNRESET) {
      const rttMs = engine.idleClock() - rec.sentIdle;
      if (rttMs < this.turnMin) this.turnMin = rttMs;
      this.localErrorsInRow = 0;
      // An answer to a retry means the first attempt was lost: the device or path drops under our load.
      if (rec.attempt > 1 || status === STATUS.ECONNRESET) {
        this.lossSeen = true;
        this.window.onLoss(now, this.rtt.timeoutMs());
      }
      this.window.onAnswer(Math.min(this.rtt.minimum() ?? rttMs, rttMs));
      this.settle(rec.port, status === 0 ? 'open' : 'closed', rttMs);
    } else if (LOCAL.has(status) || status === STATUS.ECANCELED) {
      // ECANCELED here was not ours (ours are ignored before they reach a job): try again.
      this.localError(rec, status, now);
    } else {
      // EHOSTUNREACH, ENETUNREACH, EACCES...: no answer from the port itself.
      this.unanswered(rec.port, rec.attempt);
    }
  }

  endTurn(): void {
    if (this.turnMin !== Infinity) {
      this.rtt.sample(this.turnMin);
      this.turnMin = Infinity;
    }
    this.pump();
  }

  sweep(now: number): void {
    for (let a = 0; a < LOSSY_ATTEMPTS; a++) {
      const q = this.queues[a]!;
      const timeout = this.rtt.timeoutForAttempt(a + 1);
      let h = this.heads[a]!;
      // Each queue is in send order and shares one timeout, so the due attempts are its head.
      for (; h < q.length; h++) {
        const rec = q[h]!;
        if (rec.done) continue;
        if (now - rec.sentAt < timeout) break;
        this.close(rec);
        this.window.onTimeout();
        this.unanswered(rec.port, rec.attempt);
      }
      if (h > 1024 && h * 2 > q.length) {
        q.splice(0, h);
        h = 0;
      }
      this.heads[a] = h;
    }
    this.pump();
  }

  /** Close every socket in flight and finish with the error (abort). */
  cancel(error: Error): void {
    for (const q of this.queues) for (const rec of q) if (!rec.done) this.close(rec);
    this.finish(error);
  }

  private close(rec: ProbeRecord): void {
    rec.done = true;
    this.o.backend.close(rec);
    rec.release?.();
    rec.release = undefined;
    this.inFlight--;
    this.o.engine.closed();
  }

  private settle(port: number, state: TcpPortState, rttMs?: number): void {
    if (this.state[port] !== 0) return;
    this.state[port] = STATE_CODE[state];
    this.counts[state]++;
    this.settledCount++;
    this.o.onSettled(rttMs === undefined || state === 'filtered' ? { port, state } : { port, state, rttMs: Math.round(rttMs * 1000) / 1000 });
  }

  private unanswered(port: number, attempt: number): void {
    if (attempt < (this.lossSeen ? LOSSY_ATTEMPTS : BASE_ATTEMPTS)) this.retries.push(port);
    else this.silent.push(port);
  }

  // Returns false when the job must stop launching for now.
  private failedToStart(rec: ProbeRecord, status: number): boolean {
    if (LOCAL.has(status)) {
      this.localError(rec, status, performance.now());
      return false;
    }
    this.unanswered(rec.port, rec.attempt);
    return true;
  }

  // The attempt never reached the device: it does not count, the port goes round again.
  private localError(rec: ProbeRecord, status: number, now: number): void {
    this.tries[rec.port]!--;
    this.retries.push(rec.port);
    this.window.onLocalError(now);
    this.backoffUntil = now + LOCAL_BACKOFF_MS;
    if (status === STATUS.EMFILE || status === STATUS.ENFILE) this.o.engine.lowerCap();
    if (++this.localErrorsInRow > MAX_LOCAL_ERRORS_IN_ROW) {
      this.cancel(new TrustlabError('TL_TRANSPORT', `the local network stack keeps refusing connection attempts to ${this.o.address} (errno ${-status})`, {
        details: ['check the file descriptor limit (ulimit -n) and the local port range (net.ipv4.ip_local_port_range)'],
      }));
    }
  }

  private maybeFinish(): void {
    if (this.finished || this.inFlight > 0 || this.next < this.o.order.length || this.nextRetry < this.retries.length) return;
    // Loss showed up after some ports had used their two attempts: give those their third.
    const again = this.lossSeen ? this.silent.filter((p) => this.tries[p]! < LOSSY_ATTEMPTS) : [];
    if (again.length > 0) {
      this.silent = this.silent.filter((p) => this.tries[p]! >= LOSSY_ATTEMPTS);
      this.retries = again;
      this.nextRetry = 0;
      this.pump();
      return;
    }
    for (const port of this.silent) this.settle(port, 'filtered');
    this.finish();
  }

  private finish(error?: Error): void {
    if (this.finished) return;
    this.finished = true;
    this.o.engine.remove(this);
    this.o.onFinished(error);
  }
}
