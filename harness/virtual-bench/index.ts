/**
 * The virtual bench: emulated IoT devices built from real protocol libraries (ssh2, aedes,
 * node-coap, node:http/https/tls) in weak, hardened and mixed profiles, each bound to its own
 * loopback address on a fixed, documented port list.
 */
export { startBench, startVirtualDevice } from './device.ts';
export {
  BENCH_PORTS,
  BENCH_PROFILE_NAMES,
  BENCH_PROFILES,
  type Bench,
  type BenchCredential,
  type BenchDeviceSpec,
  type BenchProfileName,
  type BenchService,
  type BenchServiceName,
  type VirtualDevice,
} from './types.ts';
