/**
 * `trustlab demo` (npm start): start the virtual bench, run every suite on it, show live
 * progress and a summary, and write a signed run plus the public key under --out. As root
 * it first moves into a private network namespace so a full-range scan meets only the bench.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ExitCode } from '../../errors.ts';
import { deepFreeze } from '../../config/load.ts';
import { createNamespace, currentNamespace, netnsSupport, reexecInNamespace } from '../../netns/namespace.ts';
import { initKeyPair, publicPathFor } from '../../../reports/keys.ts';
import { startRun, type RunMode } from '../../run/runner.ts';
import { BENCH_PROFILES, startBench, type BenchProfileName } from '../../virtual-bench/index.ts';
import { benchUpdateSpec } from '../../virtual-bench/update-client-spec.ts';
import { parseFlags, type Command } from '../command.ts';
import { showProgress } from '../progress.ts';
import { abortOnSignals, loadWithRegistry } from '../setup.ts';
import { renderSummary } from '../summary.ts';

const DEMO_CONFIG = fileURLToPath(new URL('../../../lab-configs/demo-lab.yaml', import.meta.url));
/**
 * Without a namespace the demo scans only this documented list: the bench's ports plus the
 * conventional IoT and debug ports (so closed ports are measured too), never the host's
 * whole loopback, where other services of this machine listen.
 */
export const DEMO_LOOPBACK_PORTS = '21-23,80,443,554,1234,1883,2121,2222,2323,5555,5683,8080,8443,8554,8883';

export const demoCommand: Command = {
  name: 'demo',
  summary: 'start the virtual bench and run every suite on it (npm start)',
  usage: `
Usage: trustlab demo [--out DIR] [--no-netns] [--config FILE]

Starts the virtual bench of lab-configs/demo-lab.yaml (a weak, a hardened and a mixed
device), creates a demo signing key under DIR/keys if there is none, runs every suite with
live progress, prints the summary and the verify command, and stops the bench.
As root on Linux the bench and the harness run inside a private network namespace: every
TCP port is scanned, and the hardened device drops unexpected packets (nft) so closed
ports look "filtered". Otherwise the bench binds loopback addresses and only the ports
${DEMO_LOOPBACK_PORTS} are scanned.
The demo exits 0 when it completed: the bench's weak devices are meant to fail.
  --out DIR      where runs and the demo key go (default ./runs)
  --no-netns     use the loopback bench even as root
  --config FILE  another bench config (devices need virtual.profile)`,
  async run(argv) {
    const { values } = parseFlags('demo', argv, {
      out: { type: 'string' }, 'no-netns': { type: 'boolean' }, config: { type: 'string' },
    });
    const outDir = path.resolve(values.out ?? 'runs');
    const configFile = path.resolve(values.config ?? DEMO_CONFIG);
    const { loaded: fileLoaded, registry } = await loadWithRegistry(configFile);
    const virtual = fileLoaded.config.devices.filter((d) => d.virtual);

    if (!currentNamespace() && !values['no-netns']) {
      const support = netnsSupport();
      if (support.ok) {
        const ns = await createNamespace('demo');
        try {
          for (const d of virtual.filter((x) => x.virtual!.profile === 'hardened')) {
            const open = BENCH_PROFILES.hardened.services.filter((s) => s.transport === 'tcp').map((s) => s.port);
            await ns.dropTcpExcept(d.address, open);
          }
          process.stdout.write(`network namespace ${ns.name}: full-range scans meet only the bench\n`);
          return await reexecInNamespace(ns, [process.argv[1]!, 'demo', ...argv]);
        } finally {
          await ns.destroy();
        }
      }
      process.stdout.write(`no network namespace (${support.reason})\n`);
    }

    // The demo key lives with the demo's runs, whatever the config says.
    const keyPath = path.join(outDir, 'keys', 'demo-lab.key.pem');
    if (!existsSync(keyPath)) await initKeyPair(keyPath);
    const loaded = { ...fileLoaded, config: deepFreeze({ ...fileLoaded.config, lab: { ...fileLoaded.config.lab, key: keyPath } }) };
    const ns = currentNamespace();
    const mode: RunMode = ns ? { namespace: ns } : { tcpPorts: DEMO_LOOPBACK_PORTS };
    if (!ns) process.stdout.write(`loopback bench, ports ${DEMO_LOOPBACK_PORTS} only (no full-range scan of the host's loopback)\n`);

    process.stdout.write(`starting the virtual bench: ${virtual.map((d) => `${d.id} (${d.virtual!.profile}) at ${d.address}`).join(', ')}\n`);
    const bench = await startBench(virtual.map((d) => ({
      id: d.id, address: d.address, profile: d.virtual!.profile as BenchProfileName, ...(d.product.serial ? { serial: d.product.serial } : {}),
      update: benchUpdateSpec(d),
    })));
    const abort = abortOnSignals();
    const stop = showProgress();
    try {
      const outcome = await startRun({ loaded, registry, outDir, signal: abort.signal, mode });
      stop();
      process.stdout.write(`${renderSummary(outcome, publicPathFor(keyPath))}\n`);
      return outcome.status === 'completed' ? ExitCode.ALL_PASS : ExitCode.INTERRUPTED;
    } finally {
      stop();
      abort.dispose();
      await bench.stop();
    }
  },
};
