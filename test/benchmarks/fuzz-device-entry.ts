/** A bench device in its own process (as a real device has its own CPU): prints "ready", stops on SIGTERM. */
import { startVirtualDevice, type BenchProfileName } from '../../harness/virtual-bench/index.ts';

const [profile, address] = process.argv.slice(2);
if (!profile || !address) throw new Error('usage: fuzz-device-entry.ts PROFILE ADDRESS');
const device = await startVirtualDevice({ id: `bench-${profile}`, address, profile: profile as BenchProfileName });
process.stdout.write('ready\n');
process.once('SIGTERM', () => void device.stop().then(() => process.exit(0)));
