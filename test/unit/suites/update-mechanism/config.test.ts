/**
 * The lab config fields of the update-mechanism suite: network.updateServer, the declared
 * update signing key and authenticated downgrade, the device's profile access secret, the
 * test-signing key and the virtual update client. Paths resolve against the config file;
 * bad values are reported with their path.
 */
import { describe, expect, it } from 'vitest';
import { parseLabConfig } from '../../../../harness/config/load.ts';
import { thrown } from '../../support/thrown.ts';

const FILE = '/labs/bench-a/lab.yaml';
const text = (device: string[], network = '  updateServer: 127.96.5.1'): string => [
  'lab:', '  name: L', '  accreditation: { body: A, certificate: "1", scope: S }', '  signer: { name: N, role: R }', '  key: k.pem',
  'network:', '  scope: [127.96.5.0/24]', network,
  'devices:', '  - id: d1', '    address: 127.96.5.10', '    product: { manufacturer: Acme, model: M1, firmwareVersion: 1.0.0 }',
  ...device, '',
].join('\n');
const GOOD = [
  '    declared:',
  '      services: []',
  '      updates: { automatic: true, channel: "https://u.example/m.json", signingKey: keys/vendor.pub.pem, authenticatedDowngrade: false }',
  '    profile: virtual-bench',
  '    profileAccess: { token: s3cret }',
  '    updateTest: { signingKey: keys/vendor.key.pem }',
  '    virtual: { profile: mixed, updateClient: falls-back-to-http }',
];

describe('update-mechanism config fields', () => {
  it('loads them and resolves key paths against the config file', () => {
    const { config } = parseLabConfig(text(GOOD), FILE);
    const d = config.devices[0]!;
    expect(config.network.updateServer).toBe('127.96.5.1');
    expect(d.declared.updates).toEqual({ automatic: true, channel: 'https://u.example/m.json', signingKey: '/labs/bench-a/keys/vendor.pub.pem', authenticatedDowngrade: false });
    expect(d.updateTest?.signingKey).toBe('/labs/bench-a/keys/vendor.key.pem');
    expect(d.profileAccess?.token).toBe('s3cret');
    expect(d.virtual?.updateClient).toBe('falls-back-to-http');
  });

  it('keeps inline PEM keys as they are', () => {
    const pem = (kind: string): string => `"-----BEGIN ${kind}-----\\nAAAA\\n-----END ${kind}-----\\n"`;
    const { config } = parseLabConfig(text(GOOD.map((l) => l.replace('keys/vendor.pub.pem', pem('PUBLIC KEY')).replace('keys/vendor.key.pem', pem('PRIVATE KEY')))), FILE);
    expect(config.devices[0]!.declared.updates?.signingKey).toMatch(/^-----BEGIN PUBLIC KEY-----\nAAAA/);
    expect(config.devices[0]!.updateTest?.signingKey).toMatch(/^-----BEGIN PRIVATE KEY-----/);
  });

  it('reports each bad value with its path', () => {
    const bad = GOOD.map((l) => l.replace('falls-back-to-http', 'trusts-everything').replace('updateTest: { signingKey: keys/vendor.key.pem }', 'updateTest: {}').replace('{ token: s3cret }', '{ token: "" }'));
    const err = thrown(() => parseLabConfig(text(bad, '  updateServer: not-an-ip'), FILE));
    const details = err.details.join('\n');
    expect(details).toMatch(/network\.updateServer/);
    expect(details).toMatch(/devices\[0\]\.virtual\.updateClient/);
    expect(details).toMatch(/devices\[0\]\.updateTest/);
    expect(details).toMatch(/devices\[0\]\.profileAccess\.token/);
  });
});
