/**
 * Observability through named diagnostics channels (the undici model): the runner publishes,
 * and the CLI's live display, logs and tests subscribe. Nothing here holds secrets.
 */
import { channel } from 'node:diagnostics_channel';
import type { Finding } from '../model.ts';

export interface JobEvent {
  jobId: string;
  suiteId: string;
  deviceId: string;
}
export interface JobProgressEvent extends JobEvent {
  checkId: string;
  done: number;
  total: number;
  note?: string;
}
export interface PhaseEvent {
  phase: 'start' | 'resume' | 'jobs' | 'report' | 'sign' | 'done' | 'interrupted';
  runId: string;
  detail?: string;
}

/** A job began. */
export const onJobStart = channel('trustlab:job:start');
/** A check in a job reported progress. */
export const onJobProgress = channel('trustlab:job:progress');
/** A job finished (all its findings are journaled). */
export const onJobEnd = channel('trustlab:job:end');
/** A finding was journaled. */
export const onFinding = channel('trustlab:finding');
/** The run moved to another phase. */
export const onRunPhase = channel('trustlab:run:phase');

export type { Finding };
