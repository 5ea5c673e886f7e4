/**
 * What a planted bug does to a fragile service: a crash takes the daemon down (listener and
 * every connection gone, so probes are refused) and a watchdog restarts it after a delay; a
 * hang keeps the port open but answers nothing until the watchdog reboots it. Each event is
 * published on a diagnostics channel, so tests know which planted bug the fuzzer reached.
 */
import { channel } from 'node:diagnostics_channel';
import type { BindTarget, RunningService } from './lifecycle.ts';

/** Published for every planted bug that fires: { deviceId, service, bug, effect }. */
export const fragileBugChannel = channel('trustlab:bench:fragile-bug');

/** One fired bug, as published. */
export interface FragileBugEvent {
  deviceId: string;
  service: string;
  bug: string;
  effect: 'crash' | 'hang';
}

/** Reboot timing of a fragile service. */
export interface FragileTiming {
  /** Milliseconds from a crash to the restarted daemon; null: it stays down. */
  rebootAfterMs: number | null;
  /** Milliseconds a hang lasts before the watchdog reboots the daemon. */
  watchdogMs: number;
}

/** The default: a quick watchdog, so triage and minimisation see many reboots in seconds. */
export const FRAGILE_TIMING: FragileTiming = { rebootAfterMs: 250, watchdogMs: 1200 };

/** The daemon's view of its own firmware. */
export interface Firmware {
  crash(bug: string): void;
  hang(bug: string): void;
  /** True while hung: the daemon must ignore all input. */
  readonly hung: boolean;
}

/** Bring the daemon up; resolves to the function that takes it down. */
export type BringUp = () => Promise<() => Promise<void>>;

/** Run a fragile daemon: `start` receives the firmware handle its parser calls on a bug. */
export async function runFragile(target: BindTarget, timing: FragileTiming, start: (fw: Firmware) => BringUp): Promise<RunningService> {
  let down: (() => Promise<void>) | undefined;
  let hung = false;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  const publish = (bug: string, effect: 'crash' | 'hang'): void => {
    if (fragileBugChannel.hasSubscribers) fragileBugChannel.publish({ deviceId: target.deviceId, service: target.service, bug, effect } satisfies FragileBugEvent);
  };
  const takeDown = async (): Promise<void> => {
    const d = down;
    down = undefined;
    await d?.();
  };
  const restart = (afterMs: number | null): void => {
    if (afterMs === null || stopped) return;
    timer = setTimeout(() => {
      void (async () => {
        await takeDown();
        hung = false;
        if (!stopped) down = await up().catch(() => undefined);
      })();
    }, afterMs);
  };
  const fw: Firmware = {
    crash(bug) {
      if (down === undefined || stopped) return;
      publish(bug, 'crash');
      void takeDown();
      restart(timing.rebootAfterMs);
    },
    hang(bug) {
      if (hung || stopped) return;
      hung = true;
      publish(bug, 'hang');
      restart(timing.watchdogMs);
    },
    get hung() {
      return hung;
    },
  };
  const up = start(fw);
  down = await up();
  return {
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await takeDown();
    },
  };
}
