/**
 * Black-box: `trustlab bench up` starts emulated devices in a background process (a sound and
 * a falls-back-to-http update client), `trustlab run` offers them updates from the harness's
 * update server through the virtual-bench profile: the sound device passes CTM-UP-01..06, the
 * flawed one fails CTM-UP-02 only; the evidence lists every request each device made; the lab's
 * token and test-signing key appear nowhere in the run; the summary says what each installed.
 */
import { generateKeyPairSync } from 'node:crypto';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readReport, runCli, runDirFrom, tempDir } from './helpers.ts';

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? filesUnder(path.join(dir, e.name)) : [path.join(dir, e.name)]));
}

function writeConfig(dir: string): string {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  writeFileSync(path.join(dir, 'vendor.key.pem'), privateKey.export({ type: 'pkcs8', format: 'pem' }) as string, { mode: 0o600 });
  writeFileSync(path.join(dir, 'vendor.pub.pem'), publicKey.export({ type: 'spki', format: 'pem' }) as string);
  const device = (id: string, address: string, profile: string, client: string): string => `
  - id: ${id}
    address: ${address}
    virtual: { profile: ${profile}, updateClient: ${client} }
    product: { manufacturer: Acme IoT, model: ${id}, firmwareVersion: 4.1.0 }
    declared:
      services: []
      updates: { automatic: true, channel: "https://updates.acme.invalid/${id}.json", signingKey: vendor.pub.pem }
      supportEndDate: 2031-01-31
    profile: virtual-bench
    profileAccess: { token: cli-secret-token-${id} }
    updateTest: { signingKey: vendor.key.pem }
    ports: { tcp: "8443" }`;
  const file = path.join(dir, 'lab.yaml');
  writeFileSync(file, `configVersion: 1
lab:
  name: CLI update lab
  accreditation: { body: test, certificate: T-1, scope: tests }
  signer: { name: Test Signer, role: engineer }
  key: lab.key.pem
network:
  scope: [127.96.3.0/24]
  updateServer: 127.96.3.1
devices:${device('sound', '127.96.3.12', 'hardened', 'sound')}${device('fallback', '127.96.3.13', 'mixed', 'falls-back-to-http')}
suites: [update-mechanism]
`);
  return file;
}

describe('trustlab run: update-mechanism against a background bench', () => {
  it('passes the sound device, fails the fallback device on CTM-UP-02 only, with every request as evidence', async () => {
    const dir = tempDir('update');
    const cfg = writeConfig(dir);
    expect((await runCli(['keys', 'init', '--out', path.join(dir, 'lab.key.pem')])).code).toBe(0);
    const up = await runCli(['bench', 'up', cfg], { timeoutMs: 40_000 });
    expect(up.code, up.stderr).toBe(0);
    let res;
    try {
      res = await runCli(['run', cfg, '--out', path.join(dir, 'runs')], { timeoutMs: 90_000 });
    } finally {
      await runCli(['bench', 'down', cfg], { timeoutMs: 20_000 });
    }
    expect(res.code, res.stderr).toBe(1);
    expect(res.stdout).toMatch(/Updates offered \(CTM-UP-02\.\.05\)/);
    expect(res.stdout).toMatch(/sound: installed valid-newer 4\.1\.1; refused 8 of 9/);
    const runDir = runDirFrom(res.stdout);
    const report = readReport(runDir);
    const verdicts = (id: string): Record<string, string> => Object.fromEntries(report.devices.find((d) => d.id === id)!.results.map((r) => [r.testId, r.status]));
    const all = ['CTM-UP-01', 'CTM-UP-02', 'CTM-UP-03', 'CTM-UP-04', 'CTM-UP-05', 'CTM-UP-06'];
    expect(verdicts('sound')).toEqual(Object.fromEntries(all.map((t) => [t, 'pass'])));
    expect(verdicts('fallback')).toEqual(Object.fromEntries(all.map((t) => [t, t === 'CTM-UP-02' ? 'fail' : 'pass'])));

    const logs = filesUnder(path.join(runDir, 'data', 'evidence')).filter((f) => f.endsWith('update-server-log.json'));
    expect(logs).toHaveLength(2);
    const log = JSON.parse(readFileSync(logs.find((f) => f.includes('fallback'))!, 'utf8')) as { cases: { caseId: string; requests: { event: string; transport: string; channel: string; path?: string }[] }[] };
    const plain = log.cases.find((c) => c.caseId === 'wrong-host-certificate')!.requests;
    expect(plain.map((r) => r.event).sort()).toEqual(['request', 'request', 'tls-refused', 'tls-refused']);
    expect(plain.filter((r) => r.event === 'request').map((r) => `${r.transport} ${r.channel} ${r.path}`)).toEqual([
      'plain https-wrong-host /wrong-host-certificate/manifest.json', 'plain https-wrong-host /wrong-host-certificate/image.bin',
    ]);

    const verify = await runCli(['verify', runDir, '--key', path.join(dir, 'lab.key.pub.pem')]);
    expect(verify.code, verify.stderr).toBe(0);
    const secret = readFileSync(path.join(dir, 'vendor.key.pem'), 'utf8').split('\n')[1]!;
    for (const f of filesUnder(runDir)) {
      const text = readFileSync(f, 'utf8');
      expect(text, f).not.toContain('cli-secret-token');
      expect(text, f).not.toContain(secret);
    }
  }, 150_000);
});
