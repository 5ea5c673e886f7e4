/** The lab config's port selection for the open-ports suite: UDP probe list keyword and version detection. */
import { describe, expect, it } from 'vitest';
import { parseLabConfig } from '../../../harness/config/load.ts';
import type { TrustlabError } from '../../../harness/errors.ts';
import { DEFAULT_UDP_PORTS } from '../../../harness/scan/udp-probes.ts';
import { udpPortsFor } from '../../../suites/open-ports/listening-services.ts';

const config = (ports: string, services = '[]'): string => `lab:
  name: L
  accreditation: { body: B, certificate: C, scope: S }
  signer: { name: N, role: R }
  key: k.pem
network:
  scope: [127.91.5.0/24]
devices:
  - id: d
    address: 127.91.5.1
    product: { manufacturer: M, model: X }
    declared: { services: ${services} }
    ports: ${ports}
`;

function refused(text: string): TrustlabError {
  try {
    parseLabConfig(text, '/lab.yaml');
  } catch (e) {
    return e as TrustlabError;
  }
  throw new Error('expected a config error');
}

describe('ports.udp and ports.versionDetection', () => {
  it('default to the UDP probe list and banner identification', () => {
    const d = parseLabConfig(config('{}'), '/lab.yaml').config.devices[0]!;
    expect(d.ports).toEqual({ tcp: 'all', udp: 'default', versionDetection: 'banner' });
    expect(udpPortsFor(d)).toEqual([...DEFAULT_UDP_PORTS]);
  });

  it('add declared UDP services to the probe list, and "none" probes nothing', () => {
    const services = '[{ port: 47808, transport: udp, service: bacnet }, { port: 5683, transport: udp, service: coap }]';
    const d = parseLabConfig(config('{ udp: default, versionDetection: nmap }', services), '/lab.yaml').config.devices[0]!;
    expect(d.ports.versionDetection).toBe('nmap');
    expect(udpPortsFor(d)).toEqual([...DEFAULT_UDP_PORTS, 47808].sort((a, b) => a - b));
    const none = parseLabConfig(config('{ udp: none }', services), '/lab.yaml').config.devices[0]!;
    expect(udpPortsFor(none)).toEqual([]);
    const list = parseLabConfig(config('{ udp: "161,20000-20001" }'), '/lab.yaml').config.devices[0]!;
    expect(udpPortsFor(list)).toEqual([161, 20000, 20001]);
  });

  it('refuse an unknown keyword or detection method with the field path', () => {
    const problems = (ports: string): string => (refused(config(ports)).details ?? []).join('\n');
    expect(problems('{ udp: everything }')).toMatch(/devices\[0\]\.ports\.udp: has an invalid form/);
    expect(problems('{ tcp: default }')).toMatch(/devices\[0\]\.ports\.tcp: has an invalid form/);
    expect(problems('{ versionDetection: sv }')).toMatch(/devices\[0\]\.ports\.versionDetection/);
  });
});
