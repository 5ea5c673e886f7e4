/**
 * CTM-UP-02..05: the harness starts its update server and offers the device, one case at a
 * time, the valid signed newer image (the control, first), the valid image over a self-signed,
 * wrong-host and expired certificate and over plain HTTP, a byte-flipped, an unsigned and a
 * foreign-signed image, and a validly signed older version. Before each case the device is
 * factory reset where the profile can; after the check its version is read back. Evidence: the
 * update server's log of every request and TLS handshake per case, and every manifest served.
 */
import { generateKeyPairSync, createPrivateKey, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { CheckContext, CheckResult } from '../../harness/plugins/types.ts';
import { defineCheck } from '../../harness/plugins/registry.ts';
import { buildPayload, offeredVersion, UPDATE_CASES, type UpdateCase } from '../../harness/update-server/cases.ts';
import { startUpdateServer, type UpdateServer } from '../../harness/update-server/server.ts';
import { aggregate, judgeCase, installed, type CaseObservation } from './judge.ts';
import { missingCapabilities, openProfile, type ProfileSession } from './profile-session.ts';

const TESTS = ['CTM-UP-02', 'CTM-UP-03', 'CTM-UP-04', 'CTM-UP-05'] as const;
const CHECK_TIMEOUT_MS = 10_000;
const IMAGE_SIZE = 8 * 1024;

const allInconclusive = (why: string): CheckResult[] => TESTS.map((testId) => ({ testId, status: 'inconclusive', summary: why }));

function loadSigner(pemOrPath: string): KeyObject | string {
  try {
    return createPrivateKey(pemOrPath.startsWith('-----BEGIN') ? pemOrPath : readFileSync(pemOrPath));
  } catch (err) {
    return `the test-signing key (updateTest.signingKey) cannot be read: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`;
  }
}

/** Offer one case and observe what the device does with it. */
async function offer(c: UpdateCase, s: ProfileSession, server: UpdateServer, inputs: { baseline: string; signer: KeyObject; foreign: KeyObject; reset: boolean }, check: CheckContext): Promise<CaseObservation & { manifest?: string }> {
  const { profile, ctx } = s;
  const obs: CaseObservation & { manifest?: string } = { case: c, requests: [] };
  const version = offeredVersion(c, inputs.baseline);
  if (version === undefined) return { ...obs, notRun: `no version can be formed ${c.variant === 'older' ? 'below' : 'above'} ${inputs.baseline}` };
  obs.offeredVersion = version;
  const { manufacturer: vendor, model } = check.device.product;
  const payload = buildPayload(c.variant, { vendor, model, version, signer: inputs.signer, foreign: inputs.foreign, imageSize: IMAGE_SIZE });
  server.publish(c.id, payload);
  obs.manifest = payload.manifest.toString('utf8');
  if (inputs.reset) await profile.factoryReset!(ctx);
  obs.before = (await profile.readIdentity!(ctx)).firmwareVersion;
  const mark = server.records().length;
  const pointed = await profile.setUpdateSource!(ctx, { url: server.urlFor(c.channel, c.id), trustAnchorPem: server.trustAnchorPem });
  if (!pointed.pointed) obs.pointRefused = pointed.why;
  else {
    const trigger = await profile.triggerUpdateCheck!(ctx, CHECK_TIMEOUT_MS);
    obs.finished = trigger.finished;
    if (trigger.deviceSays !== undefined) obs.deviceSays = trigger.deviceSays;
  }
  obs.after = (await profile.readIdentity!(ctx)).firmwareVersion;
  obs.requests = server.records().slice(mark);
  if (obs.before === undefined || obs.after === undefined) obs.notRun = 'the profile read no firmware version from the device';
  return obs;
}

export default defineCheck({
  version: '1.0.0',
  title: 'Offered updates: channel authentication, image integrity, rollback, valid update',
  testIds: [...TESTS],
  needs: [],
  appliesTo: () => true,
  async run(check): Promise<CheckResult[]> {
    const session = openProfile(check);
    if (typeof session === 'string') return allInconclusive(session);
    const lacking = missingCapabilities(session.profile, ['read-identity', 'set-update-source', 'trigger-update-check']);
    if (lacking) return allInconclusive(`${lacking}: the harness cannot offer the device an update and read back what it installed`);
    const keyPath = check.device.updateTest?.signingKey;
    if (keyPath === undefined) return allInconclusive('no manufacturer test-signing key (updateTest.signingKey) in the lab config: the harness cannot make a validly signed image');
    const signer = loadSigner(keyPath);
    if (typeof signer === 'string') return allInconclusive(signer);
    const address = check.config.network.updateServer;
    if (address === undefined) return allInconclusive('network.updateServer is not set: the update server has no address to listen on');

    const reset = session.profile.capabilities.includes('factory-reset');
    const foreign = generateKeyPairSync('ed25519').privateKey;
    const server = await startUpdateServer({ address, guard: check.guard });
    const observations: (CaseObservation & { manifest?: string })[] = [];
    try {
      if (reset) await session.profile.factoryReset!(session.ctx);
      const baseline = (await session.profile.readIdentity!(session.ctx)).firmwareVersion;
      if (baseline === undefined) return allInconclusive('the profile read no firmware version from the device');
      for (const [i, c] of UPDATE_CASES.entries()) {
        check.progress(i, UPDATE_CASES.length, c.id);
        observations.push(await offer(c, session, server, { baseline, signer, foreign, reset }, check));
      }
      check.progress(UPDATE_CASES.length, UPDATE_CASES.length);
      if (reset) await session.profile.factoryReset!(session.ctx);
    } finally {
      await server.stop();
    }

    const control = observations.some((o) => o.case.expect === 'install' && installed(o));
    const downgrade = check.device.declared.updates?.authenticatedDowngrade === true;
    const verdicts = observations.map((o) => judgeCase(o, control, { authenticatedDowngrade: downgrade }));
    const evidence = await check.putEvidence('update-server-log.json', JSON.stringify({
      updateServer: { address, channels: ['https', 'https-self-signed', 'https-wrong-host', 'https-expired', 'http'], factoryResetBetweenCases: reset },
      cases: observations.map((o, i) => ({
        caseId: o.case.id, testId: o.case.testId, title: o.case.title, channel: o.case.channel, variant: o.case.variant,
        offeredVersion: o.offeredVersion ?? null, versionBefore: o.before ?? null, versionAfter: o.after ?? null,
        pointRefused: o.pointRefused ?? null, finished: o.finished ?? null, deviceSays: o.deviceSays ?? null,
        verdict: verdicts[i]!.status, why: verdicts[i]!.why, requests: o.requests, manifest: o.manifest ?? null,
      })),
    }, null, 2), 'application/json');

    const out: CheckResult[] = [];
    for (const [testId, { status, cases }] of aggregate(verdicts)) {
      const titleOf = (id: string): string => UPDATE_CASES.find((c) => c.id === id)!.title;
      const shown = cases.filter((c) => c.status === status);
      out.push({
        testId, status, evidence: [evidence],
        summary: shown.map((c) => `${titleOf(c.caseId)}: ${c.why}`).join('; '),
        data: {
          cases: cases.map((c) => {
            const o = observations.find((x) => x.case.id === c.caseId)!;
            return { caseId: c.caseId, status: c.status, offeredVersion: o.offeredVersion ?? null, installed: installed(o), requests: o.requests.filter((r) => r.event === 'request').length };
          }),
        },
      });
    }
    return out;
  },
});
