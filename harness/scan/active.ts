/**
 * Which TCP scanner runs. One place to swap the engine: the open-ports suite and
 * `trustlab scan` both ask here.
 */
import { engineScanner } from './tcp-engine.ts';
import type { TcpScanner } from './types.ts';

let current: TcpScanner = engineScanner;

/** The scanner suites and commands use. */
export function activeScanner(): TcpScanner {
  return current;
}

/** Replace the scanner (tests, benchmarks); returns the previous one. */
export function setActiveScanner(s: TcpScanner): TcpScanner {
  const prev = current;
  current = s;
  return prev;
}
