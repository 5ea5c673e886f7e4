/**
 * Is the device still alive? A protocol-level question (an open port is not enough: a hung
 * firmware still completes TCP handshakes in the kernel): MQTT CONNECT answered by a CONNACK,
 * CoAP's empty confirmable ping answered by RST, HTTP GET answered by a status line. A failed
 * probe is retried before the device is called down, so one lost datagram never blames it.
 */
import type { ProtocolModel } from './protocol.ts';
import { exchange, type WireTarget } from './wire.ts';

/** What one probe saw. */
export type ProbeResult = 'alive' | 'refused' | 'silent' | 'garbled';

let probeId = 1;

/** One liveness probe. */
export async function probeOnce(target: WireTarget, model: ProtocolModel, timeoutMs: number): Promise<ProbeResult> {
  probeId = (probeId % 0xfffe) + 1;
  const id = probeId;
  const t0 = performance.now();
  const r = await exchange(target, [model.livenessProbe(id)], timeoutMs);
  const reply = r.replies[0] ?? Buffer.alloc(0);
  if (reply.length > 0) return model.provesAlive(reply, id) ? 'alive' : 'garbled';
  if (r.end === 'refused') return 'refused';
  // A peer that accepts and then closes or resets without a word is not serving; if it kept
  // the probe waiting first, it was hung (and a watchdog reboot dropped the connection).
  if (r.end === 'closed' || r.end === 'reset') return performance.now() - t0 >= Math.min(250, timeoutMs / 2) ? 'silent' : 'refused';
  return 'silent';
}

/** The verdict of a confirmed check: alive, or down with the last failure seen. */
export type Liveness = { alive: true } | { alive: false; seen: Exclude<ProbeResult, 'alive'> };

/** Probe up to `attempts` times, `gapMs` apart; alive as soon as one probe is answered. */
export async function checkAlive(target: WireTarget, model: ProtocolModel, opts: { timeoutMs: number; attempts: number; gapMs: number }): Promise<Liveness> {
  let seen: Exclude<ProbeResult, 'alive'> = 'silent';
  for (let i = 0; i < opts.attempts; i++) {
    if (i > 0) await sleep(opts.gapMs);
    const r = await probeOnce(target, model, opts.timeoutMs);
    if (r === 'alive') return { alive: true };
    seen = r;
  }
  return { alive: false, seen };
}

/** Poll until the device answers again; the milliseconds it took, or undefined after `maxMs`. */
export async function waitForRecovery(target: WireTarget, model: ProtocolModel, opts: { maxMs: number; pollMs: number; timeoutMs: number }): Promise<number | undefined> {
  const t0 = performance.now();
  while (performance.now() - t0 < opts.maxMs) {
    if ((await probeOnce(target, model, opts.timeoutMs)) === 'alive') return Math.round(performance.now() - t0);
    await sleep(opts.pollMs);
  }
  return undefined;
}

/** A plain delay. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
