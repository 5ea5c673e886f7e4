/**
 * The template device profile: copy this file to write the profile of your product, then
 * export it from a plugin module named in the lab config (`plugins: [./my-plugin.ts]`, which
 * default-exports `{ name, profiles: [myProfile] }`) and name it on the device (`profile: <id>`).
 *
 * Interface version: PROFILE_API_VERSION (harness/plugins/types.ts). Each method exists
 * exactly when its capability is listed; registration refuses a mismatch. A suite step that
 * needs a capability the profile lacks is reported `inconclusive` naming that capability,
 * never guessed. Every method receives a ProfileContext:
 *   ctx.device  the device's lab config entry (address, product, declaration)
 *   ctx.guard   the scope guard: call ctx.guard.assertInScope(address) before every socket
 *   ctx.signal  abort signal of the run (Ctrl-C): pass it to your requests
 *   ctx.access  the lab-provided secret from the device's `profileAccess` (never log it)
 * Device behaviour (a refused source, a failed check) is a return value. Throw only a
 * TrustlabError: TL_PROFILE when the profile cannot drive the device (wrong token,
 * unexpected answer), TL_TRANSPORT when a socket fails.
 *
 * As shipped the template declares no capability, so the update-mechanism suite reports
 * every step inconclusive with the capability it missed: uncomment what your device offers.
 */
import { PROFILE_API_VERSION, type ProfilePlugin } from '../../harness/plugins/types.ts';

export const templateProfile: ProfilePlugin = {
  apiVersion: PROFILE_API_VERSION,
  id: 'template',
  version: '1.0.0',
  title: 'Template profile (declares no capability; copy and fill in)',
  capabilities: [
    // 'read-identity',        readIdentity: firmware version (and serial, model) as the device reports them
    // 'set-update-source',    setUpdateSource: make the device fetch updates from the lab's URL, trusting its CA
    // 'trigger-update-check', triggerUpdateCheck: start a check now; resolve when it ended or after timeoutMs
    // 'read-update-settings', readUpdateSettings: automatic updates on/off, configured update source(s)
    // 'factory-reset',        factoryReset: factory settings (and the factory firmware where the device keeps it)
  ],
  // When the update source cannot be set from outside, say how the lab network redirects it:
  // updateRedirect: 'DNS of updates.example.com -> the lab update server; the device pins no certificate',
  //
  // async readIdentity(ctx) {
  //   ctx.guard.assertInScope(ctx.device.address);
  //   const info = await myVendorApi(ctx.device.address, ctx.access?.token).get('/info');
  //   return { firmwareVersion: info.fw, serial: info.sn, model: info.model };
  // },
  // async setUpdateSource(ctx, { url, trustAnchorPem }) {
  //   const ok = await myVendorApi(...).put('/update/server', { url, ca: trustAnchorPem });
  //   return ok ? { pointed: true } : { pointed: false, why: 'the device refused the URL' };
  // },
  // async triggerUpdateCheck(ctx, timeoutMs) {
  //   await myVendorApi(...).post('/update/check');
  //   const finished = await pollUntilIdle(ctx, timeoutMs);   // bounded: never wait past timeoutMs
  //   return { finished, deviceSays: 'what the device reported, for the evidence' };
  // },
  // async readUpdateSettings(ctx) {
  //   return { automatic: true, sources: ['https://updates.example.com/fw/manifest.json'] };
  // },
  // async factoryReset(ctx) { await myVendorApi(...).post('/factory-reset'); },
};
