/** The lab-config fields the default-passwords suite reads: credentialLists, label, samples[].password/ssid. */
import { describe, expect, it } from 'vitest';
import { parseLabConfig } from '../../../../harness/config/load.ts';
import { TrustlabError } from '../../../../harness/errors.ts';

const base = (extra: string, device = ''): string => `lab:
  name: L
  accreditation: { body: A, certificate: C, scope: S }
  signer: { name: N, role: R }
  key: k.pem
network:
  scope: [127.94.4.0/24]
devices:
  - id: d1
    address: 127.94.4.10
    product: { manufacturer: Acme, model: M, serial: SN-1 }
    declared: { services: [] }${device}
${extra}`;

describe('default-passwords config fields', () => {
  it('accepts lab lists (resolved against the config file), label data and sample passwords', () => {
    const { config } = parseLabConfig(base('credentialLists: [lists/ours.csv]', `
    label: { password: "pw-1", mac: "00:11:22:33:44:55", ssid: "CAM-0001" }
    samples: [{ id: u2, address: 127.94.4.11, password: "pw-2", ssid: "CAM-0002" }]`), '/labs/a/lab.yaml');
    expect(config.credentialLists).toEqual(['/labs/a/lists/ours.csv']);
    expect(config.devices[0]!.label).toEqual({ password: 'pw-1', mac: '00:11:22:33:44:55', ssid: 'CAM-0001' });
    expect(config.devices[0]!.samples![0]).toMatchObject({ password: 'pw-2', ssid: 'CAM-0002' });
  });

  it('refuses a malformed label MAC and an unknown label field, each at its path', () => {
    let err: unknown;
    try {
      parseLabConfig(base('', `
    label: { mac: "nope", colour: red }`), '/labs/a/lab.yaml');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(TrustlabError);
    const details = (err as TrustlabError).details.join('\n');
    expect(details).toMatch(/label.*mac|mac.*label/);
    expect(details).toMatch(/colour/);
  });
});
