/**
 * The scanner interface. The open-ports suite and `trustlab scan` use a scanner only through
 * this, so the tuned scan core can replace the connect scanner without touching them.
 */
import type { DeviceBudgetGate } from '../scheduler/budget.ts';
import type { ScopeGuard } from '../scope/guard.ts';

export type TcpPortState = 'open' | 'closed' | 'filtered';

export interface TcpPortResult {
  port: number;
  state: TcpPortState;
  /** Milliseconds from SYN to the answer, when there was one. */
  rttMs?: number;
}

/** What every scan of one address is asked with, TCP or UDP. */
export interface ScanRequestBase {
  address: string;
  ports: readonly number[];
  guard: ScopeGuard;
  budget: DeviceBudgetGate;
  signal?: AbortSignal;
  /** Seed for the port order: the same seed gives the same order. */
  seed?: number;
}

export interface TcpScanRequest extends ScanRequestBase {
  onProgress?(done: number, total: number): void;
  /** Each port's final state as soon as it is known (closed ports included), in no set order. */
  onResult?(result: TcpPortResult): void;
}

/** What a scan of one address returns, TCP or UDP: closed ports are only counted. */
export interface ScanResultOf<State extends string, Row> {
  address: string;
  /** Ports in any state but closed, with their state. */
  notClosed: Row[];
  counts: Record<State, number>;
  /** Ports asked for. */
  total: number;
  durationMs: number;
  /** Settings the scan ran with, recorded as method evidence. */
  method: Record<string, unknown>;
}

export type TcpScanResult = ScanResultOf<TcpPortState, TcpPortResult>;

export interface TcpScanner {
  id: string;
  version: string;
  scan(req: TcpScanRequest): Promise<TcpScanResult>;
}
