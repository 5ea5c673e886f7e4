/**
 * CTM-UP-01: the update channel(s) the device is configured with, read through its profile
 * after a factory reset (where the profile can reset), against the declared channel. A source
 * on another origin (scheme, host, port) than the declaration, or any source when none is
 * declared, is an undeclared update channel.
 */
import type { CheckResult } from '../../harness/plugins/types.ts';
import { defineCheck } from '../../harness/plugins/registry.ts';
import { missingCapabilities, openProfile, originOf } from './profile-session.ts';

const TEST = 'CTM-UP-01';

export default defineCheck({
  version: '1.0.0',
  title: 'Update channels observed vs declared',
  testIds: [TEST],
  needs: [],
  appliesTo: () => true,
  async run(check): Promise<CheckResult[]> {
    const session = openProfile(check);
    if (typeof session === 'string') return [{ testId: TEST, status: 'inconclusive', summary: session }];
    const { profile, ctx } = session;
    const lacking = missingCapabilities(profile, ['read-update-settings']);
    if (lacking) return [{ testId: TEST, status: 'inconclusive', summary: `${lacking}: the device's update channel cannot be read` }];
    const reset = profile.capabilities.includes('factory-reset');
    if (reset) await profile.factoryReset!(ctx);
    const settings = await profile.readUpdateSettings!(ctx);
    const sources = settings.sources ?? [];
    const declared = check.device.declared.updates?.channel;
    const data = { sources, declared: declared ?? null, readAfterFactoryReset: reset };
    if (sources.length === 0) return [{ testId: TEST, status: 'inconclusive', summary: 'the device reports no update source', data }];
    const declaredOrigin = declared === undefined ? undefined : originOf(declared);
    const undeclared = sources.filter((s) => declaredOrigin === undefined || originOf(s) !== declaredOrigin);
    if (undeclared.length > 0) {
      const against = declared === undefined ? 'no update channel is declared' : `the declared channel is ${declared}`;
      return [{ testId: TEST, status: 'fail', summary: `undeclared update channel ${undeclared.join(', ')}: ${against}`, data: { ...data, undeclared } }];
    }
    return [{ testId: TEST, status: 'pass', summary: `the device updates from ${sources.join(', ')}, the declared channel`, data }];
  },
});
