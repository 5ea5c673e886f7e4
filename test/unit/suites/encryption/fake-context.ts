/**
 * A CheckContext for running encryption checks directly: a device, what discovery found, a
 * scope guard, a socket budget, and an in-memory evidence store the test can read back.
 */
import type { CheckContext } from '../../../../harness/plugins/types.ts';
import type { DeviceConfig, DiscoveredService } from '../../../../harness/model.ts';
import { createScopeGuard } from '../../../../harness/scope/guard.ts';
import { createBudgetGate } from '../../../../harness/scheduler/budget.ts';

/** Discovery entries as the scan's identification names the bench's services. */
export const BENCH_DISCOVERY: Record<string, DiscoveredService> = {
  ssh: { transport: 'tcp', port: 2222, state: 'open', service: 'ssh', identifiedBy: 'banner' },
  telnet: { transport: 'tcp', port: 2323, state: 'open', service: 'telnet', identifiedBy: 'banner' },
  http: { transport: 'tcp', port: 8080, state: 'open', service: 'http', identifiedBy: 'probe' },
  https: { transport: 'tcp', port: 8443, state: 'open', service: 'https', identifiedBy: 'probe' },
  mqtt: { transport: 'tcp', port: 1883, state: 'open', service: 'mqtt', identifiedBy: 'port' },
  mqtts: { transport: 'tcp', port: 8883, state: 'open', service: 'mqtts', identifiedBy: 'port' },
};

/** A context plus the evidence it stored. */
export interface FakeRun {
  ctx: CheckContext;
  evidence: Map<string, string>;
}

/** Build a context for one device; `discovered` undefined means discovery never ran. */
export function fakeContext(device: Pick<DeviceConfig, 'id' | 'address'> & Partial<DeviceConfig>, discovered: DiscoveredService[] | undefined, scope = ['127.79.0.0/16']): FakeRun {
  const evidence = new Map<string, string>();
  const full: DeviceConfig = {
    product: { manufacturer: 'Acme', model: 'T' }, declared: { services: [] }, budget: { maxSockets: 64, attemptsPerSecond: 100 },
    ports: { tcp: 'all', udp: 'none' }, ...device,
  };
  const ctx: CheckContext = {
    config: { lab: { name: 'l', accreditation: { body: 'b', certificate: 'c', scope: 's' }, signer: { name: 'n', role: 'r' }, key: 'k' }, network: { scope }, devices: [full], suites: ['encryption'], plugins: [], standards: [] },
    device: full,
    guard: createScopeGuard(scope),
    budget: createBudgetGate(full.budget),
    signal: new AbortController().signal,
    discovered: () => discovered ?? [],
    discoveryRan: () => discovered !== undefined,
    recordDiscovery: async () => undefined,
    putEvidence: async (name, bytes, mediaType) => {
      evidence.set(name, typeof bytes === 'string' ? bytes : Buffer.from(bytes).toString('utf8'));
      return { path: `evidence/${name}`, sha256: '0'.repeat(64), mediaType };
    },
    progress: () => undefined,
  };
  return { ctx, evidence };
}
