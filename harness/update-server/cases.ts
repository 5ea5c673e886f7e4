/**
 * The update cases the harness offers a device, and the manifest and image each one serves.
 * Every case offers a distinct version, so a version read back from the device names the
 * one case that installed even when the device cannot be restored between cases.
 */
import { createHash, randomBytes, type KeyObject } from 'node:crypto';
import { signManifest, parseVersion, MANIFEST_VERSION, type UpdateManifest } from './manifest.ts';

/** How an image reaches the device: the valid channel, three bad certificates, plain HTTP. */
export type ChannelKind = 'https' | 'https-self-signed' | 'https-wrong-host' | 'https-expired' | 'http';
export const CHANNEL_KINDS: readonly ChannelKind[] = ['https', 'https-self-signed', 'https-wrong-host', 'https-expired', 'http'];

/** What is served: the valid signed image, three broken ones, or a validly signed older one. */
export type ImageVariant = 'valid' | 'byte-flipped' | 'unsigned' | 'foreign-key' | 'older';

export interface UpdateCase {
  id: string;
  testId: 'CTM-UP-02' | 'CTM-UP-03' | 'CTM-UP-04' | 'CTM-UP-05';
  channel: ChannelKind;
  variant: ImageVariant;
  /** What a sound device does with it. */
  expect: 'install' | 'refuse';
  title: string;
}

/** In the order they are offered: the valid case first, as the control for the refusals. */
export const UPDATE_CASES: readonly UpdateCase[] = [
  { id: 'valid-newer', testId: 'CTM-UP-05', channel: 'https', variant: 'valid', expect: 'install', title: 'a valid signed newer image over HTTPS' },
  { id: 'self-signed-certificate', testId: 'CTM-UP-02', channel: 'https-self-signed', variant: 'valid', expect: 'refuse', title: 'the valid image over HTTPS with a self-signed certificate' },
  { id: 'wrong-host-certificate', testId: 'CTM-UP-02', channel: 'https-wrong-host', variant: 'valid', expect: 'refuse', title: 'the valid image over HTTPS with a certificate for another host' },
  { id: 'expired-certificate', testId: 'CTM-UP-02', channel: 'https-expired', variant: 'valid', expect: 'refuse', title: 'the valid image over HTTPS with an expired certificate' },
  { id: 'plain-http', testId: 'CTM-UP-02', channel: 'http', variant: 'valid', expect: 'refuse', title: 'the valid image over plain HTTP' },
  { id: 'byte-flipped-image', testId: 'CTM-UP-03', channel: 'https', variant: 'byte-flipped', expect: 'refuse', title: 'a validly signed manifest whose image has one byte flipped' },
  { id: 'unsigned-image', testId: 'CTM-UP-03', channel: 'https', variant: 'unsigned', expect: 'refuse', title: 'an unsigned manifest and image' },
  { id: 'foreign-key-image', testId: 'CTM-UP-03', channel: 'https', variant: 'foreign-key', expect: 'refuse', title: 'an image signed by a key that is not the manufacturer\'s' },
  { id: 'rollback', testId: 'CTM-UP-04', channel: 'https', variant: 'older', expect: 'refuse', title: 'a validly signed older version' },
];

/** `base` with its last part raised by `k` ("3.2.1", 2 -> "3.2.3"). */
export function newerVersion(base: string, k: number): string | undefined {
  const parts = parseVersion(base);
  if (!parts) return undefined;
  parts[parts.length - 1]! += k;
  return parts.join('.');
}

/** A version just below `base` ("3.2.1" -> "3.2.0", "2.0.0" -> "1.99.99"); undefined below 0. */
export function olderVersion(base: string): string | undefined {
  const parts = parseVersion(base);
  if (!parts) return undefined;
  let i = parts.length - 1;
  while (i >= 0 && parts[i] === 0) i--;
  if (i < 0) return undefined;
  parts[i]! -= 1;
  for (let j = i + 1; j < parts.length; j++) parts[j] = 99;
  return parts.join('.');
}

/** The version a case offers against a baseline; undefined when it cannot be formed. */
export function offeredVersion(c: UpdateCase, baseline: string): string | undefined {
  if (c.variant === 'older') return olderVersion(baseline);
  return newerVersion(baseline, UPDATE_CASES.indexOf(c) + 1);
}

/** What one case serves. */
export interface CasePayload {
  version: string;
  manifest: Buffer;
  image: Buffer;
}

export interface PayloadInput {
  vendor: string;
  model: string;
  version: string;
  /** The manufacturer's (test) signing key. */
  signer: KeyObject;
  /** A key that is not the manufacturer's, for the foreign-key case. */
  foreign: KeyObject;
  imageSize: number;
}

/** A firmware image: a readable header line, then random filler up to `size`. */
function makeImage(vendor: string, model: string, version: string, size: number): Buffer {
  const header = Buffer.from(`TLFW1 ${vendor} ${model} ${version}\n`, 'utf8');
  return Buffer.concat([header, randomBytes(Math.max(0, size - header.length))]).subarray(0, Math.max(size, header.length));
}

/** Build the manifest and image one case serves. */
export function buildPayload(variant: ImageVariant, input: PayloadInput): CasePayload {
  const image = makeImage(input.vendor, input.model, input.version, input.imageSize);
  const manifest: UpdateManifest = {
    manifestVersion: MANIFEST_VERSION, vendor: input.vendor, model: input.model, version: input.version,
    image: { uri: 'image.bin', size: image.length, digest: { alg: 'sha-256', value: createHash('sha256').update(image).digest('hex') } },
  };
  let served = image;
  let out: UpdateManifest;
  switch (variant) {
    case 'unsigned':
      out = manifest;
      break;
    case 'foreign-key':
      out = signManifest(manifest, input.foreign);
      break;
    case 'byte-flipped': {
      out = signManifest(manifest, input.signer);
      served = Buffer.from(image);
      const at = Math.floor(served.length / 2);
      served[at] = served[at]! ^ 0xff;
      break;
    }
    default:
      out = signManifest(manifest, input.signer);
  }
  return { version: input.version, manifest: Buffer.from(`${JSON.stringify(out, null, 2)}\n`), image: served };
}
