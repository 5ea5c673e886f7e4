/**
 * Black-box helpers: run bin/trustlab as a child process, write inline lab configs for a
 * loopback virtual bench, and read what a run wrote.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startBench, type Bench } from '../../harness/virtual-bench/index.ts';

export const root = fileURLToPath(new URL('../../', import.meta.url));
export const cli = path.join(root, 'bin', 'trustlab');

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Start the CLI; the environment never marks it as inside a namespace. */
export function startCli(args: string[], opts: { cwd?: string } = {}): ChildProcess {
  const env = { ...process.env };
  delete env.TRUSTLAB_NETNS;
  return spawn(process.execPath, [cli, ...args], { cwd: opts.cwd ?? root, env, stdio: ['ignore', 'pipe', 'pipe'] });
}

/** Run the CLI to completion (bounded). */
export function runCli(args: string[], opts: { cwd?: string; timeoutMs?: number } = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = startCli(args, opts);
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`trustlab ${args.join(' ')} timed out\n${stdout}\n${stderr}`));
    }, opts.timeoutMs ?? 60_000);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      resolve({ code: code ?? 128 + (signal ? os.constants.signals[signal] : 0), stdout, stderr });
    });
  });
}

export function tempDir(label: string): string {
  return mkdtempSync(path.join(os.tmpdir(), `trustlab-${label}-`));
}

export interface BenchAddresses {
  weak: string;
  hardened: string;
  mixed: string;
}

/**
 * A lab config for a loopback bench with an explicit port list (never a full-range scan of
 * the host's loopback). `extra` lines are appended under the weak device.
 */
export function writeBenchConfig(dir: string, a: BenchAddresses, opts: { ports?: string; keyPath: string; weakCredentials?: string } = { keyPath: '' }): string {
  const ports = opts.ports ?? '21-23,80,443,1883,2222,2323,5555,8080,8443,8883';
  const device = (id: string, address: string, profile: string, services: string, extra = ''): string => `
  - id: ${id}
    address: ${address}
    virtual: { profile: ${profile} }
    product: { manufacturer: Acme IoT, model: ${id}, firmwareVersion: 1.0.0, serial: SN-${id} }
    declared:
      services: [${services}]
      passwords: unique-per-device
      supportEndDate: 2030-01-31
    budget: { maxSockets: 256, attemptsPerSecond: 50 }
    ports: { tcp: "${ports}" }${extra}`;
  const creds = opts.weakCredentials ? `\n    credentials:\n      - { username: labuser, password: "${opts.weakCredentials}" }` : '';
  const text = `configVersion: 1
lab:
  name: CLI test lab
  accreditation: { body: test, certificate: T-1, scope: tests }
  signer: { name: Test Signer, role: engineer }
  key: ${opts.keyPath}
network:
  scope: [127.77.0.0/16]
devices:${device('weak', a.weak, 'weak', '{ port: 2222, transport: tcp, service: ssh }, { port: 8080, transport: tcp, service: http }, { port: 8443, transport: tcp, service: https }', creds)}${device('hardened', a.hardened, 'hardened', '{ port: 2222, transport: tcp, service: ssh }, { port: 8443, transport: tcp, service: https }, { port: 8883, transport: tcp, service: mqtts }')}${device('mixed', a.mixed, 'mixed', '{ port: 2222, transport: tcp, service: ssh }, { port: 8080, transport: tcp, service: http }, { port: 8443, transport: tcp, service: https }, { port: 1883, transport: tcp, service: mqtt }')}
suites: [open-ports]
`;
  const file = path.join(dir, 'lab.yaml');
  writeFileSync(file, text);
  return file;
}

/** The single run directory a `run` wrote under outDir. */
export function runDirFrom(stdout: string): string {
  const m = /Signed run: (\S+)/.exec(stdout);
  if (!m) throw new Error(`no run directory in output:\n${stdout}`);
  return path.resolve(root, m[1]!);
}

export function readReport(runDir: string): Record<string, unknown> & { devices: { id: string; results: { testId: string; checkId: string; status: string; summary: string; target?: { port: number } }[] }[]; summary: Record<string, number>; run: Record<string, unknown> } {
  return JSON.parse(readFileSync(path.join(runDir, 'data', 'report.json'), 'utf8'));
}

/** Start the three-profile virtual bench on the given loopback addresses. */
export function startTestBench(a: BenchAddresses): Promise<Bench> {
  return startBench([
    { id: 'weak', address: a.weak, profile: 'weak' },
    { id: 'hardened', address: a.hardened, profile: 'hardened' },
    { id: 'mixed', address: a.mixed, profile: 'mixed' },
  ]);
}
