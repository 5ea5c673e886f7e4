/**
 * The fuzzer's options and results: plain data, so the CLI, the robustness suite and the
 * case files share one shape.
 */
import type { DeviceBudgetGate } from '../scheduler/budget.ts';
import type { ScopeGuard } from '../scope/guard.ts';
import type { FuzzProtocol } from './protocol.ts';

/** What to fuzz and how hard. */
export interface FuzzOptions {
  protocol: FuzzProtocol;
  guard: ScopeGuard;
  address: string;
  port: number;
  seed: number;
  /** Stop after this many cases. */
  maxCases: number;
  /** Stop after this much wall time (ms), triage included. */
  timeBudgetMs: number;
  /** Cases in flight at once (bounded by the device's socket budget). */
  concurrency: number;
  /** Upper bound on cases per second; undefined: as fast as the device answers. */
  casesPerSecond?: number;
  /** A liveness check after every N cases (1 = after every case). */
  liveEvery: number;
  /** How long to wait for each reply of a case. */
  replyMs: number;
  /** How long a liveness probe waits for its answer. */
  livenessMs: number;
  /** How long a reboot may take before the device counts as gone. */
  rebootWaitMs: number;
  /** Stop after this many crashes (the device must come back to go on). */
  maxCrashes: number;
  minimise: boolean;
  /** Wall-clock bound of one minimisation (default 15 s, never past the time budget). */
  minimiseMs?: number;
  budget?: Pick<DeviceBudgetGate, 'acquireSocket'>;
  signal?: AbortSignal;
  onProgress?(casesRun: number, note: string): void;
}

/** One failure of the device, with everything needed to replay it. */
export interface CrashRecord {
  format: 'trustlab-fuzz-case/1';
  /** crash: stopped answering (refused or closed); hang: accepted but silent; reboot: either, then came back. */
  kind: 'crash' | 'hang' | 'reboot';
  downAs: 'crash' | 'hang';
  protocol: FuzzProtocol;
  target: string;
  seed: number;
  /** The case that takes the device down alone (or, when not isolated, the last case sent). */
  index: number;
  isolated: boolean;
  reproduced: boolean;
  lineage: number[];
  strategy: string[];
  /** Labels of the messages of the case, in order (the sequence that reaches the state). */
  sequence: string[];
  /** The messages, hex, in order. */
  messages: string[];
  size: number;
  /** Cases sent since the last good liveness check, oldest first (what led to it). */
  window: { index: number; messages: string[] }[];
  minimised?: { messages: string[]; size: number; tests: number };
  recoveredAfterMs?: number;
  /** The first message the culprit left unanswered and how the device failed, e.g. "SUBSCRIBE#1/crash". */
  bucket?: string;
  casesRunBefore: number;
  /** Milliseconds from the start of fuzzing to the liveness check that saw the failure. */
  detectedAfterMs: number;
  notes: string[];
}

/** The outcome of one fuzz run against one service. */
export interface FuzzReport {
  protocol: FuzzProtocol;
  target: string;
  seed: number;
  /** False when the service did not answer its liveness probe before fuzzing. */
  reachable: boolean;
  casesRun: number;
  durationMs: number;
  casesPerSecond: number;
  livenessChecks: number;
  /** Distinct reply shapes seen (each kept a case for further mutation). */
  responseShapes: number;
  crashes: CrashRecord[];
  /** Reproduced failures in a bucket already recorded (most likely the same bug again). */
  duplicates: number;
  /** Batches in which connections were refused but no liveness probe failed and no case reproduced it. */
  unconfirmed: number;
  aliveAtEnd: boolean;
  stoppedBecause: 'cases' | 'time' | 'crashes' | 'device-gone' | 'aborted' | 'unreachable';
}
