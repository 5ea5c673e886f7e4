/**
 * `trustlab bench up|down <config>`: start the virtual bench a config describes in the
 * background (inside network.namespace when the config names one, as root) and stop it.
 * `bench serve` is the background process itself.
 */
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ExitCode, TrustlabError } from '../../errors.ts';
import { NETNS_ENV } from '../../netns/namespace.ts';
import { pidAlive, terminatePids } from '../../netns/process-control.ts';
import { startBench, type BenchProfileName } from '../../virtual-bench/index.ts';
import { benchUpdateSpec } from '../../virtual-bench/update-client-spec.ts';
import { expectPositionals, parseFlags, type Command } from '../command.ts';
import { loadWithRegistry } from '../setup.ts';

interface BenchState {
  pid: number;
  config: string;
  namespace?: string;
  createdNamespace: boolean;
  devices: string[];
}

function stateFile(configPath: string): string {
  const h = createHash('sha256').update(path.resolve(configPath)).digest('hex').slice(0, 16);
  return path.join(os.tmpdir(), `trustlab-bench-${h}.json`);
}

/** Run a one-shot command; true when it exits 0. bench up/down are one-shot commands. */
function runOk(cmd: string, args: string[], inherit = false): boolean {
  return spawnSync(cmd, args, { stdio: inherit ? 'inherit' : 'ignore' }).status === 0;
}

function ip(args: string[]): void {
  if (!runOk('ip', args, true)) throw new TrustlabError('TL_NETNS', `ip ${args.join(' ')} failed`);
}

async function up(configPath: string): Promise<number> {
  const { loaded } = await loadWithRegistry(configPath);
  const file = stateFile(loaded.path);
  if (existsSync(file) && pidAlive((JSON.parse(readFileSync(file, 'utf8')) as BenchState).pid)) {
    throw new TrustlabError('TL_BENCH', `a bench for ${configPath} is already up (${file}); run trustlab bench down first`);
  }
  const ns = loaded.config.network.namespace;
  let created = false;
  if (ns && !runOk('ip', ['netns', 'exec', ns, 'true'])) {
    ip(['netns', 'add', ns]);
    ip(['-n', ns, 'link', 'set', 'lo', 'up']);
    created = true;
  }
  const argv = [process.argv[1]!, 'bench', 'serve', loaded.path, '--state', file, ...(created ? ['--created-namespace'] : [])];
  const child = ns
    ? spawn('ip', ['netns', 'exec', ns, process.execPath, ...argv], { detached: true, stdio: 'ignore', env: { ...process.env, [NETNS_ENV]: ns } })
    : spawn(process.execPath, argv, { detached: true, stdio: 'ignore' });
  child.unref();
  // serve writes the state file once every device listens; bounded wait.
  for (let i = 0; i < 200 && !existsSync(file); i++) await new Promise((r) => setTimeout(r, 100));
  if (!existsSync(file)) throw new TrustlabError('TL_BENCH', 'the bench did not come up within 20 s (try trustlab demo for its output)');
  const state = JSON.parse(readFileSync(file, 'utf8')) as BenchState;
  process.stdout.write(`bench up (pid ${state.pid}${ns ? `, namespace ${ns}` : ''}): ${state.devices.join(', ')}\n`);
  return ExitCode.ALL_PASS;
}

async function down(configPath: string): Promise<number> {
  const file = stateFile(configPath);
  if (!existsSync(file)) {
    process.stdout.write(`no bench is up for ${configPath}\n`);
    return ExitCode.ALL_PASS;
  }
  const state = JSON.parse(readFileSync(file, 'utf8')) as BenchState;
  await terminatePids([state.pid], 3000);
  if (state.namespace && state.createdNamespace) runOk('ip', ['netns', 'del', state.namespace]);
  rmSync(file, { force: true });
  process.stdout.write(`bench down (pid ${state.pid} stopped)\n`);
  return ExitCode.ALL_PASS;
}

async function serve(configPath: string, file: string, createdNamespace: boolean): Promise<number> {
  const { loaded } = await loadWithRegistry(configPath);
  const specs = loaded.config.devices.filter((d) => d.virtual).map((d) => ({ id: d.id, address: d.address, profile: d.virtual!.profile as BenchProfileName, update: benchUpdateSpec(d) }));
  const bench = await startBench(specs);
  const state: BenchState = {
    pid: process.pid, config: loaded.path, createdNamespace, devices: bench.devices.map((d) => `${d.id}@${d.address}`),
    ...(loaded.config.network.namespace ? { namespace: loaded.config.network.namespace } : {}),
  };
  writeFileSync(file, JSON.stringify(state));
  await new Promise<void>((resolve) => {
    process.once('SIGTERM', () => resolve());
    process.once('SIGINT', () => resolve());
  });
  await bench.stop();
  return ExitCode.ALL_PASS;
}

export const benchCommand: Command = {
  name: 'bench',
  summary: 'start or stop the virtual bench of a config (bench up|down <config>)',
  usage: `
Usage: trustlab bench up <config.yaml>
       trustlab bench down <config.yaml>

up starts every device of the config that has virtual.profile (weak, hardened, mixed) in a
background process and returns once they listen; down stops it by its pid. When the config
sets network.namespace (root), the namespace is created if missing and the bench runs
inside it; trustlab run with the same config then runs inside it too.`,
  async run(argv) {
    const { values, positionals } = parseFlags('bench', argv, { state: { type: 'string' }, 'created-namespace': { type: 'boolean' } });
    expectPositionals('bench', positionals, 2, 'up|down and a lab config path');
    const [verb, config] = positionals as [string, string];
    if (verb === 'up') return up(config);
    if (verb === 'down') return down(config);
    if (verb === 'serve' && values.state) return serve(config, values.state, values['created-namespace'] === true);
    throw new TrustlabError('TL_USAGE', `bench expects up or down, not "${verb}"`);
  },
};
