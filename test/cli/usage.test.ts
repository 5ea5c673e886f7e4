/**
 * Black-box: help on every command, named exit codes for usage and config errors, and a
 * malformed config reported in full with file, line and JSON path.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { root, runCli, tempDir } from './helpers.ts';

describe('trustlab usage', () => {
  it('prints help with the exit codes', async () => {
    const res = await runCli(['--help']);
    expect(res.code).toBe(0);
    expect(res.stdout).toMatch(/Exit codes:/);
    for (const c of ['demo', 'run', 'validate', 'verify', 'keys', 'bench', 'scan', 'suites']) expect(res.stdout).toContain(`  ${c} `);
  });

  it.each(['demo', 'run', 'validate', 'verify', 'keys', 'bench', 'scan', 'suites'])('%s --help', async (cmd) => {
    const res = await runCli([cmd, '--help']);
    expect(res.code).toBe(0);
    expect(res.stdout).toMatch(new RegExp(`Usage: trustlab ${cmd}`));
  });

  it('rejects an unknown command and an unknown flag with the usage code', async () => {
    expect((await runCli(['frobnicate'])).code).toBe(3);
    const bad = await runCli(['validate', '--nope', 'x.yaml']);
    expect(bad.code).toBe(3);
    expect(bad.stderr).toMatch(/TL_USAGE/);
  });

  it('validates the shipped configs', async () => {
    for (const f of ['lab-configs/demo-lab.yaml', 'lab-configs/example-lab.yaml']) {
      const res = await runCli(['validate', path.join(root, f)]);
      expect(res.code, res.stderr).toBe(0);
    }
  });

  it('reports every problem of a malformed config with file, line and path, exit 3', async () => {
    const dir = tempDir('badcfg');
    const file = path.join(dir, 'bad.yaml');
    writeFileSync(file, [
      'lab:',                                  // 1
      '  name: Bad Lab',                       // 2
      '  accreditation: { body: A, certificate: C, scope: S }', // 3
      '  key: k.pem',                          // 4
      'network:',                              // 5
      '  scope: [127.77.0.0/24]',              // 6
      'devices:',                              // 7
      '  - id: cam',                           // 8
      '    address: 300.1.1.1',                // 9
      '    product: { manufacturer: M, model: X }', // 10
      '    colour: red',                       // 11
      '    declared:',                         // 12
      '      services:',                       // 13
      '        - { port: 70000, transport: sctp, service: x }', // 14
      '  - id: cam',                           // 15
      '    address: 127.78.9.9',               // 16
      '    product: { manufacturer: M, model: Y }', // 17
      '    declared: { services: [] }',        // 18
      'suites: [open-ports, no-such-suite]',   // 19
      '',
    ].join('\n'));
    const res = await runCli(['validate', file]);
    expect(res.code).toBe(3);
    expect(res.stderr).toMatch(/TL_CONFIG_INVALID/);
    const expectLine = (line: number, pathText: string, msg: RegExp): void => {
      const re = new RegExp(`${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:${line}:\\d+ ${pathText.replace(/[.[\]]/g, '\\$&')}: .*${msg.source}`);
      expect(res.stderr).toMatch(re);
    };
    expectLine(1, 'lab', /missing required property "signer"/);
    expectLine(9, 'devices[0].address', /IPv4 or IPv6/);
    expectLine(11, 'devices[0].colour', /unknown property "colour"/);
    expectLine(14, 'devices[0].declared.services[0].port', /must be <= 65535/);
    expectLine(14, 'devices[0].declared.services[0].transport', /must be one of "tcp", "udp"/);
  });

  it('reports what only the semantic pass sees: scope, duplicates, unknown suites', async () => {
    const dir = tempDir('badcfg2');
    const file = path.join(dir, 'bad.yaml');
    writeFileSync(file, [
      'lab: { name: L, accreditation: { body: A, certificate: C, scope: S }, signer: { name: N, role: R }, key: k.pem }',
      'network: { scope: [127.77.0.0/24] }',
      'devices:',
      '  - { id: cam, address: 127.77.0.5, product: { manufacturer: M, model: X }, declared: { services: [] } }',
      '  - { id: cam, address: 127.78.0.5, product: { manufacturer: M, model: X }, declared: { services: [] } }',
      'suites: [open-ports, no-such-suite]',
      '',
    ].join('\n'));
    const res = await runCli(['validate', file]);
    expect(res.code).toBe(3);
    expect(res.stderr).toMatch(/:5:\d+ devices\[1\]\.id: duplicate device id "cam"/);
    expect(res.stderr).toMatch(/:5:\d+ devices\[1\]\.address: 127\.78\.0\.5 is outside network\.scope/);
    expect(res.stderr).toMatch(/:6:\d+ suites\[1\]: unknown suite "no-such-suite"/);
  });

  it('refuses an ad-hoc full-range scan of loopback outside a namespace, and out-of-scope targets', async () => {
    const res = await runCli(['scan', '127.77.9.9']);
    expect(res.code).toBe(3);
    expect(res.stderr).toMatch(/refusing a full-range scan of loopback/);
    const hostname = await runCli(['scan', 'localhost', '--ports', '22']);
    expect(hostname.code).toBe(3);
    expect(hostname.stderr).toMatch(/TL_SCOPE/);
  });
});
