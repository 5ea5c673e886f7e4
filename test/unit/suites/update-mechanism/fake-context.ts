/**
 * A CheckContext for the update-mechanism checks: a device with its profile, the lab config's
 * update server address, an in-memory evidence store, and a manufacturer key pair on disk.
 */
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { CheckContext, ProfilePlugin } from '../../../../harness/plugins/types.ts';
import type { DeviceConfig } from '../../../../harness/model.ts';
import { createScopeGuard } from '../../../../harness/scope/guard.ts';
import { createBudgetGate } from '../../../../harness/scheduler/budget.ts';

export interface VendorKeys {
  privatePath: string;
  publicPem: string;
}

/** An Ed25519 (or P-256) manufacturer key pair: the private key on disk, the public PEM. */
export function vendorKeys(kind: 'ed25519' | 'ec' = 'ed25519'): VendorKeys {
  const { privateKey, publicKey } = kind === 'ec' ? generateKeyPairSync('ec', { namedCurve: 'P-256' }) : generateKeyPairSync('ed25519');
  const dir = mkdtempSync(path.join(os.tmpdir(), 'trustlab-vendor-'));
  const privatePath = path.join(dir, 'vendor.key.pem');
  writeFileSync(privatePath, privateKey.export({ type: 'pkcs8', format: 'pem' }) as string, { mode: 0o600 });
  return { privatePath, publicPem: publicKey.export({ type: 'spki', format: 'pem' }) as string };
}

export interface FakeRun {
  ctx: CheckContext;
  evidence: Map<string, string>;
}

/** A context for one device, its profile and the update server address. */
export function fakeContext(device: Pick<DeviceConfig, 'id' | 'address'> & Partial<DeviceConfig>, profile: ProfilePlugin | undefined, updateServer: string | undefined, scope = ['127.96.0.0/16']): FakeRun {
  const evidence = new Map<string, string>();
  const full: DeviceConfig = {
    product: { manufacturer: 'Acme IoT', model: 'T1', firmwareVersion: '2.0.0' }, declared: { services: [] },
    budget: { maxSockets: 64, attemptsPerSecond: 100 }, ports: { tcp: 'all', udp: 'none' }, ...device,
  };
  const ctx: CheckContext = {
    config: {
      lab: { name: 'l', accreditation: { body: 'b', certificate: 'c', scope: 's' }, signer: { name: 'n', role: 'r' }, key: 'k' },
      network: { scope, ...(updateServer ? { updateServer } : {}) }, devices: [full], suites: ['update-mechanism'], plugins: [], standards: [],
    },
    device: full,
    guard: createScopeGuard(scope),
    budget: createBudgetGate(full.budget),
    signal: new AbortController().signal,
    discovered: () => [],
    discoveryRan: () => false,
    recordDiscovery: async () => undefined,
    putEvidence: async (name, bytes, mediaType) => {
      evidence.set(name, typeof bytes === 'string' ? bytes : Buffer.from(bytes).toString('utf8'));
      return { path: `evidence/${name}`, sha256: '0'.repeat(64), mediaType };
    },
    progress: () => undefined,
    profile: () => profile,
  };
  return { ctx, evidence };
}
