/**
 * A finished report built in code (schema 1.0.0): two devices, three suites, every verdict,
 * evidence files with their real digests, declarations the results contradict, and hostile
 * device text (markup, control characters, Markdown links, CSS url()) in banners and data.
 */
import { createHash } from 'node:crypto';
import { requirementsVersion } from '../../../../harness/plugins/test-cases.ts';

/** A banner as a hostile device might send it. */
export const HOSTILE =
  '<script>alert("pwned")</script>\u0000\u001b[31m ]]> -- **bold** [x](http://evil.example/) url(http://evil.example/f.woff) href="http://evil.example/" & \'q\'';

/** Evidence files of the fixture: bag path under data/ -> content. */
export const EVIDENCE: Record<string, string> = {
  'evidence/0a1b2c3d4e5f6071-cam-tcp-scan.json': `${JSON.stringify({ address: '192.0.2.10', open: [22, 2323], banner: HOSTILE }, null, 2)}\n`,
  'evidence/1b2c3d4e5f607182-cam-telnet-login.txt': 'cam login: admin\nPassword: admin\nBusyBox v1.22 built-in shell (ash)\n# \n',
  'evidence/2c3d4e5f60718293-plug-tcp-scan.json': `${JSON.stringify({ address: '192.0.2.11', open: [8443] }, null, 2)}\n`,
};

const ref = (p: string, mediaType: string) => ({ path: p, sha256: createHash('sha256').update(EVIDENCE[p]!).digest('hex'), mediaType });
const camScan = ref('evidence/0a1b2c3d4e5f6071-cam-tcp-scan.json', 'application/json');
const camLogin = ref('evidence/1b2c3d4e5f607182-cam-telnet-login.txt', 'text/plain');
const plugScan = ref('evidence/2c3d4e5f60718293-plug-tcp-scan.json', 'application/json');

const REQ: Record<string, string[]> = {
  'CTM-PT-01': ['NIST IR 8425 IAC-1(a)', 'ETSI EN 303 645 5.6-1', 'OWASP ISTG DES-CONF-002'],
  'CTM-PT-04': ['ETSI EN 303 645 5.6-1', 'ETSI EN 303 645 5.6-5'],
  'CTM-DP-02': ['ETSI EN 303 645 5.1-1', 'UK PSTI Sch.1 para 1', 'NIST IR 8425 IAC-1(b)'],
  'CTM-UP-06': ['NIST IR 8425 SU-2', '47 CFR 8.222 fields 8 and 9'],
};

type Status = 'pass' | 'fail' | 'inconclusive' | 'not-applicable';
function result(testId: string, checkId: string, status: Status, summary: string, extra: Record<string, unknown> = {}) {
  return { testId, checkId, status, summary, evidence: [] as unknown[], requirements: REQ[testId] ?? [], ...extra };
}

function counts(results: { status: Status }[]) {
  const c = { pass: 0, fail: 0, inconclusive: 0, 'not-applicable': 0, total: 0 };
  for (const r of results) {
    c[r.status]++;
    c.total++;
  }
  return c;
}

const telnet = { transport: 'tcp', port: 2323, service: 'telnet' };

type Loose = Record<string, unknown>;
/** The fixture's shape, as loose as tests need to mutate it. */
export interface FixtureReport extends Loose {
  run: Loose & { id: string };
  devices: (Loose & { id: string; declared: Loose; results: (Loose & { summary: string })[] })[];
}

/** A fresh copy of the fixture report (tests may mutate it). */
export function fixtureReport(): FixtureReport {
  const camResults = [
    result('CTM-PT-01', 'open-ports/listening-services', 'pass', 'declared ssh found: ssh on tcp/22 (dropbear 2019.78)', { target: { transport: 'tcp', port: 22, service: 'ssh' }, evidence: [camScan] }),
    result('CTM-PT-01', 'open-ports/listening-services', 'fail', 'undeclared open service: telnet on tcp/2323 (<b>BusyBox</b> & co)', { target: telnet, evidence: [camScan] }),
    result('CTM-PT-01', 'open-ports/listening-services', 'inconclusive', 'only 2 of 65535 TCP ports scanned: coverage is partial', { evidence: [camScan], data: { coverage: 'partial' } }),
    result('CTM-PT-04', 'open-ports/debug-services', 'fail', 'telnet is enabled on tcp/2323', { target: telnet, data: { banner: HOSTILE, identifiedBy: 'banner' } }),
    result('CTM-DP-02', 'default-passwords/default-credentials', 'fail', 'default credentials admin/admin accepted on telnet tcp/2323', { target: telnet, evidence: [camLogin] }),
    result('CTM-UP-06', 'update-mechanism/automatic-updates', 'fail', 'declared automatic updates did not install a newer image within 24 h'),
  ];
  const plugResults = [
    result('CTM-PT-01', 'open-ports/listening-services', 'pass', 'declared https found: https on tcp/8443', { target: { transport: 'tcp', port: 8443, service: 'https' }, evidence: [plugScan] }),
    result('CTM-PT-04', 'open-ports/debug-services', 'pass', 'no debug or legacy service among 1 open service(s)'),
    result('CTM-DP-02', 'default-passwords/default-credentials', 'not-applicable', 'no password-based login offered'),
  ];
  return {
    schemaVersion: '1.0.0',
    run: {
      id: 'run-20260110T093000Z-f1x7re',
      startedAt: '2026-01-10T09:30:00.000Z',
      endedAt: '2026-01-10T09:41:12.345Z',
      status: 'completed',
      trustlabVersion: '0.1.0',
      configDigest: 'c'.repeat(64),
      suites: [
        { id: 'open-ports', version: '1.0.0', checks: [{ id: 'open-ports/listening-services', version: '1.0.0' }, { id: 'open-ports/debug-services', version: '1.0.0' }] },
        { id: 'default-passwords', version: '0.9.0', checks: [{ id: 'default-passwords/default-credentials', version: '0.9.0' }] },
        { id: 'update-mechanism', version: '0.9.0', checks: [{ id: 'update-mechanism/automatic-updates', version: '0.9.0' }] },
      ],
      policies: [{ id: 'suites/requirements/ctm-test-cases', version: requirementsVersion }],
      resumed: 0,
      interruptions: 0,
      environment: { node: 'v20.18.1', platform: 'linux-x64' },
    },
    lab: { name: 'Example Testing Laboratory <LLC>', accreditation: { body: 'A2LA', certificate: '1234.01', scope: 'Cyber Trust Mark' }, signer: { name: 'Jane Doe', role: 'Technical Manager' } },
    standards: [{ id: 'NIST IR 8425', edition: '2022-09' }, { id: '47 CFR Part 8 Subpart B', edition: 'FCC 24-26 (2024-03-14)' }],
    devices: [
      {
        id: 'cam',
        address: '192.0.2.10',
        product: { manufacturer: 'Example Cameras Inc.', model: 'EC-100', hardwareVersion: 'rev-A', firmwareVersion: '2.4.1', serial: 'EC-0001' },
        declared: {
          services: [{ port: 22, transport: 'tcp', service: 'ssh', auth: 'password', disabled: false }],
          passwords: 'unique-per-device',
          updates: { automatic: true },
          supportEndDate: '2025-12-31',
          registry: { passwordChangeInstructions: 'Settings > Security > Change password' },
        },
        discovered: {
          services: [
            { transport: 'tcp', port: 22, state: 'open', service: 'ssh', product: 'dropbear', version: '2019.78', banner: 'SSH-2.0-dropbear_2019.78', identifiedBy: 'banner' },
            { transport: 'tcp', port: 2323, state: 'open', service: 'telnet', banner: HOSTILE, identifiedBy: 'banner' },
          ],
          scanned: { tcp: '22,2323' },
        },
        results: camResults,
        summary: counts(camResults),
      },
      {
        id: 'plug',
        address: '192.0.2.11',
        product: { manufacturer: 'Example Plugs', model: 'P-1' },
        declared: { services: [{ port: 8443, transport: 'tcp', service: 'https', disabled: false }] },
        discovered: { services: [{ transport: 'tcp', port: 8443, state: 'open', service: 'https', identifiedBy: 'port' }] },
        results: plugResults,
        summary: counts(plugResults),
      },
    ],
    evidence: [camScan, camLogin, plugScan],
    summary: counts([...camResults, ...plugResults]),
  };
}
