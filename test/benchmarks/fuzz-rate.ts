/**
 * Fuzzer throughput and time to first crash, on loopback: cases per second with liveness
 * checking against the virtual bench's MQTT broker (aedes, in its own process) and against
 * mosquitto, for the default liveness interval and for a check after every case; then the
 * time from start to the first detected crash on each fragile service (bench profile timing).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { fuzz, FUZZ_DEFAULTS, type FuzzProtocol } from '../../harness/fuzz/index.ts';
import { findTool } from '../../harness/netns/process-control.ts';
import { scopeFromAddresses } from '../../harness/scope/guard.ts';

const entry = fileURLToPath(new URL('./fuzz-device-entry.ts', import.meta.url));
const tsx = fileURLToPath(new URL('../../node_modules/.bin/tsx', import.meta.url));
const A = { weak: '127.97.9.1', mosquitto: '127.97.9.2', fragile: '127.97.9.3' };

export interface RateRow { target: string; liveEvery: number; casesPerSecond: number; runs: number[]; crashes: number }
export interface FirstCrashRow { protocol: FuzzProtocol; firstCrashMs: number; casesBefore: number; triageMs: number; bucket: string }

function startDevice(profile: string, address: string): Promise<ChildProcess> {
  return new Promise((resolve, reject) => {
    const child = spawn(tsx, [entry, profile, address], { stdio: ['ignore', 'pipe', 'inherit'] });
    child.stdout!.once('data', () => resolve(child));
    child.once('exit', (code) => reject(new Error(`bench device ${profile} exited ${code}`)));
  });
}

async function startMosquitto(dir: string): Promise<ChildProcess | undefined> {
  const bin = findTool('mosquitto');
  if (!bin) return undefined;
  const conf = path.join(dir, 'mosquitto.conf');
  writeFileSync(conf, `listener 1883 ${A.mosquitto}\nallow_anonymous true\nuser root\npersistence false\nlog_dest none\n`);
  const child = spawn(bin, ['-c', conf], { stdio: 'ignore' });
  await new Promise((r) => setTimeout(r, 500));
  return child;
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function rate(address: string, runs: number, liveEvery: number): Promise<{ runs: number[]; crashes: number }> {
  const out: number[] = [];
  let crashes = 0;
  for (let i = 0; i < runs; i++) {
    const r = await fuzz({ ...FUZZ_DEFAULTS, protocol: 'mqtt', guard: scopeFromAddresses([address]), address, port: 1883, seed: i + 1, maxCases: 10_000_000, timeBudgetMs: 4000, liveEvery });
    out.push(r.casesPerSecond);
    crashes += r.crashes.length;
  }
  return { runs: out, crashes };
}

/** Run the fuzz benchmarks; mosquitto rows are skipped when it is not installed. */
export async function runFuzzBench(runs: number): Promise<{ rates: RateRow[]; firstCrash: FirstCrashRow[] }> {
  const dir = mkdtempSync(path.join(tmpdir(), 'tl-fuzzbench-'));
  const children: ChildProcess[] = [];
  try {
    children.push(await startDevice('weak', A.weak), await startDevice('fragile', A.fragile));
    const mosquitto = await startMosquitto(dir);
    if (mosquitto) children.push(mosquitto);
    const rates: RateRow[] = [];
    const targets: Array<[string, string]> = [['bench MQTT broker (aedes)', A.weak], ...(mosquitto ? [['mosquitto', A.mosquitto] as [string, string]] : [])];
    for (const [name, address] of targets) {
      for (const liveEvery of [FUZZ_DEFAULTS.liveEvery, 1]) {
        const r = await rate(address, runs, liveEvery);
        rates.push({ target: name, liveEvery, casesPerSecond: median(r.runs), runs: r.runs, crashes: r.crashes });
      }
    }
    const firstCrash: FirstCrashRow[] = [];
    for (const [protocol, port] of [['mqtt', 1883], ['coap', 5683], ['http', 8080]] as const) {
      const times: FirstCrashRow[] = [];
      for (let i = 0; i < runs; i++) {
        const r = await fuzz({ ...FUZZ_DEFAULTS, protocol, guard: scopeFromAddresses([A.fragile]), address: A.fragile, port, seed: i + 1, maxCases: 10_000_000, timeBudgetMs: 60_000, minimise: false });
        const c = r.crashes[0];
        if (c) times.push({ protocol, firstCrashMs: c.detectedAfterMs, casesBefore: c.casesRunBefore, triageMs: r.durationMs - c.detectedAfterMs, bucket: c.bucket ?? '-' });
        await new Promise((res) => setTimeout(res, 300)); // let the watchdog finish a reboot
      }
      const m = median(times.map((t) => t.firstCrashMs));
      firstCrash.push(times.find((t) => t.firstCrashMs === m) ?? { protocol, firstCrashMs: NaN, casesBefore: 0, triageMs: 0, bucket: 'not found' });
    }
    return { rates, firstCrash };
  } finally {
    for (const c of children) c.kill('SIGTERM');
    rmSync(dir, { recursive: true, force: true });
  }
}
