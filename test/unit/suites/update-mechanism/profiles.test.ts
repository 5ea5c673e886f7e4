/**
 * Device profiles are validated at registration: the interface version, the capability names,
 * and exactly one method per declared capability. The built-in profiles register.
 */
import { describe, expect, it } from 'vitest';
import { emptyRegistry, loadBuiltinProfiles, registerProfile } from '../../../../harness/plugins/registry.ts';
import { PROFILE_API_VERSION, type ProfilePlugin } from '../../../../harness/plugins/types.ts';
import { thrown } from '../../support/thrown.ts';

const base: ProfilePlugin = { apiVersion: PROFILE_API_VERSION, id: 'p', version: '1.0.0', title: 'P', capabilities: [] };

describe('device profile registration', () => {
  it('registers the template and virtual-bench profiles', async () => {
    const reg = emptyRegistry();
    await loadBuiltinProfiles(reg);
    expect([...reg.profiles.keys()]).toEqual(['template', 'virtual-bench']);
    expect(reg.profiles.get('virtual-bench')!.capabilities).toHaveLength(5);
  });

  it.each([
    ['an old interface version', { ...base, apiVersion: 1 }, /invalid profile metadata/],
    ['an unknown capability', { ...base, capabilities: ['flash-firmware'] }, /invalid profile metadata/],
    ['a capability without its method', { ...base, capabilities: ['read-identity'] }, /declares read-identity but has no readIdentity\(\)/],
    ['a method without its capability', { ...base, factoryReset: async () => undefined }, /has factoryReset\(\) but does not declare factory-reset/],
  ])('refuses %s', (_name, profile, message) => {
    const err = thrown(() => registerProfile(emptyRegistry(), profile as unknown as ProfilePlugin, 'test'));
    expect(err.code).toBe('TL_PLUGIN_INVALID');
    expect(err.message).toMatch(message);
  });

  it('refuses a duplicate id', () => {
    const reg = emptyRegistry();
    registerProfile(reg, base, 'a');
    expect(thrown(() => registerProfile(reg, base, 'b')).code).toBe('TL_PLUGIN_DUPLICATE');
  });
});
