/**
 * How a bench device's update client is chosen and provisioned: per-profile defaults (the
 * hardened device runs the sound client), overridden by the spec, and the mapping from a lab
 * config device (virtual.updateClient, product, declared update channel and signing key,
 * profileAccess token) to that spec, shared by `trustlab demo` and `trustlab bench`.
 */
import { readFileSync } from 'node:fs';
import { TrustlabError } from '../errors.ts';
import type { DeviceConfig } from '../model.ts';
import { createLocalApi, type LocalApi } from './update-client-api.ts';
import { UpdateClient, type UpdateClientKind } from './update-client.ts';

/** The update side of a bench device spec; every field has a profile default. */
export interface BenchUpdateSpec {
  client?: UpdateClientKind;
  vendor?: string;
  model?: string;
  /** Factory firmware version (dotted numbers). */
  firmwareVersion?: string;
  /** Factory update source URL. */
  source?: string;
  automatic?: boolean;
  /** The manufacturer's manifest-signing public key, SPKI PEM. */
  publicKeyPem?: string;
  /** Token of the local management API; without it the API answers 403. */
  apiToken?: string;
}

const DEFAULT_CLIENT: Record<string, UpdateClientKind> = { weak: 'skips-signature', hardened: 'sound', mixed: 'accepts-downgrade' };
const DEFAULT_AUTOMATIC: Record<string, boolean> = { weak: false, hardened: true, mixed: true };

/** The update client kind a profile runs unless the spec says otherwise. */
export function defaultUpdateClient(profile: string): UpdateClientKind {
  return DEFAULT_CLIENT[profile] ?? 'sound';
}

/** Build a device's update client and its local API from the spec and the profile defaults. */
export function createDeviceUpdater(dev: { id: string; profile: string; serial: string }, spec: BenchUpdateSpec = {}): { client: UpdateClient; api: LocalApi } {
  const vendor = spec.vendor ?? 'trustlab bench';
  const model = spec.model ?? dev.id;
  // The weak device ships with a plaintext update source; the others with HTTPS.
  const scheme = dev.profile === 'weak' ? 'http' : 'https';
  const client = new UpdateClient({
    kind: spec.client ?? defaultUpdateClient(dev.profile),
    vendor, model,
    factoryVersion: spec.firmwareVersion ?? '1.0.0',
    factorySource: spec.source ?? `${scheme}://updates.bench.invalid/${dev.id}/manifest.json`,
    automaticByDefault: spec.automatic ?? DEFAULT_AUTOMATIC[dev.profile] ?? false,
    ...(spec.publicKeyPem ? { publicKeyPem: spec.publicKeyPem } : {}),
  });
  const api = createLocalApi({ client, vendor, model, serial: dev.serial, ...(spec.apiToken !== undefined ? { token: spec.apiToken } : {}) });
  return { client, api };
}

/** Inline PEM as is, or the contents of a PEM file (paths are absolute once the config loaded). */
export function pemFrom(value: string): string {
  if (value.startsWith('-----BEGIN')) return value;
  try {
    return readFileSync(value, 'utf8');
  } catch (err) {
    throw new TrustlabError('TL_CONFIG_READ', `cannot read the update signing key ${value}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
}

/** The update part of a bench spec for a lab config device. */
export function benchUpdateSpec(d: Readonly<DeviceConfig>): BenchUpdateSpec {
  const updates = d.declared.updates;
  return {
    vendor: d.product.manufacturer,
    model: d.product.model,
    ...(d.virtual?.updateClient ? { client: d.virtual.updateClient } : {}),
    ...(d.product.firmwareVersion ? { firmwareVersion: d.product.firmwareVersion } : {}),
    ...(updates?.channel ? { source: updates.channel } : {}),
    ...(updates?.signingKey ? { publicKeyPem: pemFrom(updates.signingKey) } : {}),
    ...(d.profileAccess?.token !== undefined ? { apiToken: d.profileAccess.token } : {}),
  };
}
