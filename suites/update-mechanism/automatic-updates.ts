/**
 * CTM-UP-06: the registry's fields 8 and 9. The declaration must say whether updates are
 * automatic and give a support end date; when automatic updates are declared, the device's
 * default (read after a factory reset where the profile can reset) must be on.
 */
import type { CheckResult } from '../../harness/plugins/types.ts';
import { defineCheck } from '../../harness/plugins/registry.ts';
import { missingCapabilities, openProfile } from './profile-session.ts';

const TEST = 'CTM-UP-06';

export default defineCheck({
  version: '1.0.0',
  title: 'Automatic update default and support end date',
  testIds: [TEST],
  needs: [],
  appliesTo: () => true,
  async run(check): Promise<CheckResult[]> {
    const declared = check.device.declared;
    const automatic = declared.updates?.automatic;
    const endDate = declared.supportEndDate;
    const failures: string[] = [];
    if (endDate === undefined) failures.push('no support end date is declared');
    if (automatic === undefined) failures.push('whether updates are automatic is not declared');
    const data: Record<string, unknown> = { declaredAutomatic: automatic ?? null, supportEndDate: endDate ?? null };
    if (endDate !== undefined && endDate < new Date().toISOString().slice(0, 10)) data.supportEnded = true;

    let unknown: string | undefined;
    const session = openProfile(check);
    if (typeof session === 'string') unknown = session;
    else {
      const { profile, ctx } = session;
      unknown = missingCapabilities(profile, ['read-update-settings']);
      if (!unknown) {
        const reset = profile.capabilities.includes('factory-reset');
        if (reset) await profile.factoryReset!(ctx);
        const settings = await profile.readUpdateSettings!(ctx);
        data.deviceAutomatic = settings.automatic ?? null;
        data.readAfterFactoryReset = reset;
        if (settings.automatic === undefined) unknown = 'the device does not report whether automatic updates are on';
        else if (automatic === true && !settings.automatic) failures.push(`automatic updates are declared but the device's ${reset ? 'factory default' : 'setting'} is off`);
      }
    }
    if (failures.length > 0) return [{ testId: TEST, status: 'fail', summary: failures.join('; ') + (unknown ? ` (not checked on the device: ${unknown})` : ''), data }];
    if (unknown && automatic === true) return [{ testId: TEST, status: 'inconclusive', summary: `declared automatic updates could not be checked on the device: ${unknown}`, data }];
    const device = data.deviceAutomatic === undefined ? '' : `; the device's default is ${data.deviceAutomatic ? 'on' : 'off'}`;
    return [{
      testId: TEST, status: 'pass', data,
      summary: `updates declared ${automatic ? 'automatic' : 'not automatic'}${device}; support ends ${endDate}${data.supportEnded ? ' (already past)' : ''}`,
    }];
  },
});
