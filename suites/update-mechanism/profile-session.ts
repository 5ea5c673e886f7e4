/**
 * The device profile as the update-mechanism checks use it: which profile drives the device,
 * the context its calls get (with the lab's secret, never copied into a result), and the
 * inconclusive reason when a step needs a capability the profile does not have.
 */
import type { CheckContext, ProfileCapability, ProfileContext, ProfilePlugin } from '../../harness/plugins/types.ts';

export interface ProfileSession {
  profile: ProfilePlugin;
  ctx: ProfileContext;
}

/** The device's profile and its call context, or why there is none. */
export function openProfile(check: CheckContext): ProfileSession | string {
  const id = check.device.profile;
  if (id === undefined) return 'the device names no device profile (device.profile), so the harness cannot drive its update mechanism';
  const profile = check.profile?.();
  if (!profile) return `device profile "${id}" is not registered (add the plugin that provides it to plugins)`;
  const access = check.device.profileAccess;
  return { profile, ctx: { device: check.device, guard: check.guard, signal: check.signal, ...(access ? { access } : {}) } };
}

/** Why the profile cannot do `needed`, naming each missing capability; undefined when it can. */
export function missingCapabilities(profile: ProfilePlugin, needed: readonly ProfileCapability[]): string | undefined {
  const lacking = needed.filter((c) => !profile.capabilities.includes(c));
  if (lacking.length === 0) return undefined;
  const redirect = lacking.includes('set-update-source') && profile.updateRedirect ? ` (the profile says: ${profile.updateRedirect})` : '';
  return `device profile "${profile.id}" lacks capability ${lacking.join(', ')}${redirect}`;
}

/** Origin (scheme, host, port) of a URL, or undefined when it is not one. */
export function originOf(url: string): string | undefined {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}`;
  } catch {
    return undefined;
  }
}
