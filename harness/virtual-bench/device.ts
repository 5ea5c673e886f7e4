/**
 * Starting and stopping emulated devices and benches. A start is all-or-nothing: when any
 * service fails to bind, the services already started are stopped and the caller gets one
 * TL_BENCH error naming the service and port.
 */
import { randomBytes } from 'node:crypto';
import { TrustlabError } from '../errors.ts';
import { assertLoopback, once, type RunningService } from './lifecycle.ts';
import { planDevice, type DevicePlan } from './profiles.ts';
import { createDeviceUpdater } from './update-client-spec.ts';
import {
  BENCH_PORTS,
  BENCH_PROFILE_NAMES,
  profileServiceNames,
  serviceDef,
  type Bench,
  type BenchDeviceSpec,
  type VirtualDevice,
} from './types.ts';

function validateSpec(spec: BenchDeviceSpec): void {
  if (typeof spec.id !== 'string' || spec.id.trim() === '') {
    throw new TrustlabError('TL_BENCH', 'a bench device needs a non-empty id');
  }
  if (!BENCH_PROFILE_NAMES.includes(spec.profile)) {
    throw new TrustlabError('TL_BENCH', `device ${spec.id}: unknown profile "${String(spec.profile)}" (expected ${BENCH_PROFILE_NAMES.join(', ')})`);
  }
  assertLoopback(spec.address, spec.id);
}

function asBenchError(err: unknown, context: string): TrustlabError {
  if (err instanceof TrustlabError && err.code === 'TL_BENCH') return err;
  const message = err instanceof Error ? err.message : String(err);
  return new TrustlabError('TL_BENCH', `${context}: ${message}`, { cause: err });
}

async function stopAll(services: RunningService[]): Promise<void> {
  await Promise.all(services.map((s) => s.stop().catch(() => undefined)));
}

/** Start one emulated device with every service of its profile, bound to its own address. */
export async function startVirtualDevice(spec: BenchDeviceSpec): Promise<VirtualDevice> {
  validateSpec(spec);
  const serial = spec.serial ?? `TL${randomBytes(5).toString('hex').toUpperCase()}`;
  const firmware = { hostname: spec.id.toLowerCase().replace(/[^a-z0-9-]/g, '-'), serial };
  let plan: DevicePlan;
  try {
    plan = await planDevice(spec.profile, { id: spec.id, address: spec.address, serial, firmware });
  } catch (err) {
    throw asBenchError(err, `device ${spec.id}: cannot prepare the ${spec.profile} profile`);
  }

  // The update client's local API rides on the device's https web server only (never cleartext).
  const updater = createDeviceUpdater({ id: spec.id, profile: spec.profile, serial }, spec.update);
  const started: RunningService[] = [];
  for (const name of profileServiceNames(spec.profile)) {
    const starter = plan.starters[name];
    if (!starter) continue;
    const target = { deviceId: spec.id, address: spec.address, port: BENCH_PORTS[name], service: name, ...(name === 'https' ? { intercept: updater.api } : {}) };
    try {
      started.push(await starter(target));
    } catch (err) {
      await stopAll(started);
      const transport = serviceDef(name).transport;
      throw asBenchError(err, `device ${spec.id}: cannot start ${name} on ${spec.address}:${target.port}/${transport}`);
    }
  }

  const device: VirtualDevice = {
    id: spec.id,
    address: spec.address,
    profile: spec.profile,
    serial,
    services: profileServiceNames(spec.profile).map(serviceDef),
    credentials: plan.credentials,
    updateClient: updater.client,
    stop: once(() => stopAll(started)),
  };
  if (plan.caPem !== undefined) device.caPem = plan.caPem;
  if (plan.sshClientKey !== undefined) device.sshClientKey = plan.sshClientKey;
  return device;
}

/** Start every device of a bench; on any failure stop those started and throw TL_BENCH. */
export async function startBench(specs: BenchDeviceSpec[]): Promise<Bench> {
  const ids = new Set<string>();
  const addresses = new Set<string>();
  for (const spec of specs) {
    if (ids.has(spec.id)) throw new TrustlabError('TL_BENCH', `bench device id ${spec.id} is used twice`);
    // Every device owns the same fixed ports, so two devices on one address would clash.
    if (addresses.has(spec.address)) {
      throw new TrustlabError('TL_BENCH', `device ${spec.id}: address ${spec.address} is used by two bench devices`);
    }
    ids.add(spec.id);
    addresses.add(spec.address);
  }
  // Devices start in parallel (they own distinct addresses); settle all so none is orphaned.
  const results = await Promise.allSettled(specs.map((spec) => startVirtualDevice(spec)));
  const devices = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
  const failures = results.flatMap((r) => (r.status === 'rejected' ? [r.reason as unknown] : []));
  if (failures.length > 0) {
    await Promise.all(devices.map((d) => d.stop()));
    const first = asBenchError(failures[0], 'bench start failed');
    const details = failures.slice(1).map((f) => asBenchError(f, 'also').message);
    throw new TrustlabError('TL_BENCH', first.message, { details, cause: failures[0] });
  }
  return {
    devices,
    stop: once(async () => {
      await Promise.all(devices.map((d) => d.stop()));
    }),
  };
}
