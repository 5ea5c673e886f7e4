/**
 * Live progress in the terminal: a task list of jobs redrawn in place on a TTY, plain lines
 * otherwise (CI logs). It only subscribes to the runner's diagnostics channels.
 */
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import type { Finding } from '../model.ts';
import type { JobEvent, JobProgressEvent, PhaseEvent } from '../run/events.ts';

interface Row {
  label: string;
  state: 'waiting' | 'running' | 'done' | 'stopped';
  done: number;
  total: number;
  note: string;
  fails: number;
}

const SPIN = ['|', '/', '-', '\\'];

function bar(done: number, total: number, width = 20): string {
  const frac = total > 0 ? Math.min(1, done / total) : 0;
  const full = Math.round(frac * width);
  return `[${'#'.repeat(full)}${'.'.repeat(width - full)}] ${String(Math.round(frac * 100)).padStart(3)}%`;
}

/** Start showing progress; call the returned function to stop and print the final state. */
export function showProgress(out: NodeJS.WriteStream = process.stdout): () => void {
  const tty = out.isTTY === true;
  const rows = new Map<string, Row>();
  let drawn = 0;
  let tick = 0;
  const line = (s: string): void => void out.write(`${s}\n`);

  const render = (): void => {
    if (!tty) return;
    if (drawn > 0) out.write(`\x1b[${drawn}A`);
    tick++;
    for (const r of rows.values()) {
      const mark = r.state === 'done' ? 'ok' : r.state === 'stopped' ? '--' : r.state === 'running' ? ` ${SPIN[tick % 4]}` : ' .';
      const fails = r.fails > 0 ? `  ${r.fails} fail` : '';
      out.write(`\x1b[2K ${mark} ${r.label.padEnd(34)} ${r.total > 0 ? bar(r.done, r.total) : ''.padEnd(27)} ${r.note}${fails}\n`);
    }
    drawn = rows.size;
  };

  const onStart = (m: unknown): void => {
    const j = m as JobEvent;
    rows.set(j.jobId, { label: `${j.suiteId} @ ${j.deviceId}`, state: 'running', done: 0, total: 0, note: '', fails: 0 });
    if (!tty) line(`start  ${j.suiteId} @ ${j.deviceId}`);
  };
  const onProgress = (m: unknown): void => {
    const p = m as JobProgressEvent;
    const r = rows.get(p.jobId);
    if (r) Object.assign(r, { done: p.done, total: p.total, note: p.note ?? '' });
  };
  const onEnd = (m: unknown): void => {
    const j = m as JobEvent & { finished: boolean };
    const r = rows.get(j.jobId);
    if (r) {
      r.state = j.finished ? 'done' : 'stopped';
      r.note = j.finished ? 'done' : 'interrupted';
    }
    if (!tty) line(`${j.finished ? 'done' : 'stop'}   ${j.suiteId} @ ${j.deviceId}${r && r.fails > 0 ? ` (${r.fails} fail)` : ''}`);
  };
  const onFinding = (m: unknown): void => {
    const { jobId, finding } = m as { jobId: string; finding: Finding };
    const r = rows.get(jobId);
    if (r && finding.status === 'fail') r.fails++;
  };
  const onPhase = (m: unknown): void => {
    const p = m as PhaseEvent;
    if (p.phase === 'report' || p.phase === 'sign' || p.phase === 'resume') {
      render();
      drawn = 0;
      line(`${p.phase === 'report' ? 'building report' : p.phase === 'sign' ? 'signing and sealing the run' : `resuming: ${p.detail ?? ''}`}`);
    }
  };
  const subs: [string, (m: unknown) => void][] = [
    ['trustlab:job:start', onStart],
    ['trustlab:job:progress', onProgress],
    ['trustlab:job:end', onEnd],
    ['trustlab:finding', onFinding],
    ['trustlab:run:phase', onPhase],
  ];
  for (const [name, fn] of subs) subscribe(name, fn);
  const timer = tty ? setInterval(render, 120) : undefined;
  let stopped = false;
  return () => {
    if (stopped) return;
    stopped = true;
    if (timer) clearInterval(timer);
    render();
    for (const [name, fn] of subs) unsubscribe(name, fn);
  };
}
