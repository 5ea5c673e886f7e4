import path from 'node:path';
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { TrustlabError } from '../../../../harness/errors.ts';
import { deepFreeze, formatIssue, parseLabConfig } from '../../../../harness/config/load.ts';
import { formatPath, splitPointer } from '../../../../harness/config/locate.ts';
import { schemaErrors } from '../../../../harness/config/validate.ts';

const FILE = '/labs/bench-a/lab.yaml';

/** Lines joined with \n, so a test can say which line a problem is on by its index + 1. */
const yaml = (...lines: string[]): string => `${lines.join('\n')}\n`;

const LAB = [
  'lab:',
  '  name: Test Lab',
  '  accreditation: { body: A2LA, certificate: "1234.01", scope: CTM }',
  '  signer: { name: Jo Tester, role: Engineer }',
  '  key: keys/lab.pem',
  'network:',
  '  scope: [127.66.0.0/24]',
];

const minimal = yaml(
  ...LAB,
  'devices:',
  '  - id: dev-1',
  '    address: 127.66.0.10',
  '    product: { manufacturer: Acme, model: M1 }',
  '    declared:',
  '      services: []',
);

function configError(text: string, opts: { knownSuites?: string[] } = {}, file = FILE): TrustlabError {
  try {
    parseLabConfig(text, file, opts);
  } catch (err) {
    expect(err).toBeInstanceOf(TrustlabError);
    return err as TrustlabError;
  }
  throw new Error('expected the config to be refused');
}

describe('parseLabConfig: a valid config', () => {
  it('fills every default', () => {
    const { config } = parseLabConfig(minimal, FILE);
    const d = config.devices[0]!;
    expect(d.budget).toEqual({ maxSockets: 1024, attemptsPerSecond: 20 });
    expect(d.ports).toEqual({ tcp: 'all', udp: 'default', versionDetection: 'banner' });
    expect(config.suites).toEqual(['open-ports']);
    expect(config.plugins).toEqual([]);
    expect(config.standards.map((s) => s.id)).toEqual([
      'NIST IR 8425',
      'ETSI EN 303 645',
      'ETSI TS 103 701',
      '47 CFR Part 8 Subpart B',
    ]);
    expect(config.standards.every((s) => typeof s.edition === 'string' && s.edition.length > 0)).toBe(true);
    expect((config as unknown as { configVersion: number }).configVersion).toBe(1);
  });

  it('keeps values that were given instead of defaults', () => {
    const text = yaml(
      ...LAB,
      'devices:',
      '  - id: dev-1',
      '    address: 127.66.0.10',
      '    product: { manufacturer: Acme, model: M1 }',
      '    declared: { services: [] }',
      '    budget: { maxSockets: 8 }',
      '    ports: { tcp: "22,80" }',
      'suites: [open-ports, encryption]',
    );
    const { config } = parseLabConfig(text, FILE);
    expect(config.devices[0]!.budget).toEqual({ maxSockets: 8, attemptsPerSecond: 20 });
    expect(config.devices[0]!.ports).toEqual({ tcp: '22,80', udp: 'default', versionDetection: 'banner' });
    expect(config.suites).toEqual(['open-ports', 'encryption']);
  });

  it('is deep-frozen: writes throw in strict mode', () => {
    const { config } = parseLabConfig(minimal, FILE);
    const d = config.devices[0]!;
    for (const o of [config, config.lab, config.network.scope, config.devices, d, d.budget, d.ports, d.declared.services, config.standards[0]!]) {
      expect(Object.isFrozen(o)).toBe(true);
    }
    // ESM test files are strict: assigning to a frozen property throws a TypeError.
    expect(() => {
      (d.budget as { maxSockets: number }).maxSockets = 1;
    }).toThrow(TypeError);
    expect(() => {
      (config.suites as string[]).push('robustness');
    }).toThrow(TypeError);
    expect(() => {
      (config.lab as { key: string }).key = '/etc/shadow';
    }).toThrow(TypeError);
  });

  it('resolves lab.key and relative plugin paths against the config file directory', () => {
    const text = minimal.replace('devices:', 'plugins: [./plugins/vendor.mjs, ../shared/p.mjs, /abs/p.mjs, vendor-package]\ndevices:');
    const { config, path: abs, digest } = parseLabConfig(text, FILE);
    expect(config.lab.key).toBe(path.resolve('/labs/bench-a/keys/lab.pem'));
    expect(config.plugins).toEqual([
      path.resolve('/labs/bench-a/plugins/vendor.mjs'),
      path.resolve('/labs/shared/p.mjs'),
      '/abs/p.mjs',
      'vendor-package',
    ]);
    expect(abs).toBe(path.resolve(FILE));
    expect(digest).toBe(createHash('sha256').update(text).digest('hex'));
  });

  it('resolves lab.key for a relative config path against the working directory', () => {
    const { config } = parseLabConfig(minimal, 'lab-configs/x.yaml');
    expect(config.lab.key).toBe(path.resolve('lab-configs/keys/lab.pem'));
  });

  it('accepts an absolute lab.key unchanged', () => {
    const { config } = parseLabConfig(minimal.replace('key: keys/lab.pem', 'key: /srv/keys/lab.pem'), FILE);
    expect(config.lab.key).toBe('/srv/keys/lab.pem');
  });

  it('accepts IPv6 devices in an IPv6 scope', () => {
    const text = minimal.replace('[127.66.0.0/24]', '["fd00:66::/64", 127.66.0.0/24]').replace('address: 127.66.0.10', 'address: "fd00:66::10"');
    expect(parseLabConfig(text, FILE).config.devices[0]!.address).toBe('fd00:66::10');
  });
});

describe('parseLabConfig: every problem is reported at once', () => {
  const text = yaml(
    /* 1 */ 'lab:',
    /* 2 */ '  name: Test Lab',
    /* 3 */ '  accreditation: { body: A2LA, certificate: "1234.01", scope: CTM }',
    /* 4 */ '  key: lab.pem',
    /* 5 */ 'network:',
    /* 6 */ '  scope: [127.66.0.0/24]',
    /* 7 */ 'devices:',
    /* 8 */ '  - id: dev-1',
    /* 9 */ '    address: 300.1.1.1',
    /* 10 */ '    foo: bar',
    /* 11 */ '    product: { manufacturer: Acme, model: M1 }',
    /* 12 */ '    declared:',
    /* 13 */ '      services:',
    /* 14 */ '        - { port: 70000, transport: tcp, service: http }',
    /* 15 */ '        - { port: 22, transport: sctp, service: ssh }',
    /* 16 */ '        - { port: 80, transport: tcp, service: http }',
    /* 17 */ '        - { port: 80, transport: tcp, service: http-alt }',
    /* 18 */ '    budget: { maxSockets: 0 }',
    /* 19 */ '    ports: { tcp: "22;80" }',
    /* 20 */ '  - id: dev-1',
    /* 21 */ '    address: 10.1.2.3',
    /* 22 */ '    product: { manufacturer: Acme, model: M2 }',
    /* 23 */ '    declared: { services: [] }',
    /* 24 */ 'suites: [open-ports, fuzz-magic]',
  );
  const known = { knownSuites: ['open-ports', 'encryption'] };

  it('throws one TL_CONFIG_INVALID with exit code 3 and one detail line per problem', () => {
    const err = configError(text, known);
    expect(err.code).toBe('TL_CONFIG_INVALID');
    expect(err.exitCode).toBe(3);
    expect(err.message).toContain(FILE);
    expect(err.message).toContain('11 problem(s)');
    expect(err.details).toHaveLength(11);
    for (const line of err.details) expect(line).toMatch(/^\/labs\/bench-a\/lab\.yaml:\d+:\d+ \S+: .+$/);
  });

  it.each([
    ['missing lab.signer, at the key of its parent (lab:)', `${FILE}:1:1 lab: missing required property "signer"`],
    ['an unknown property, at its key', `${FILE}:10:5 devices[0].foo: unknown property "foo"`],
    ['a bad address, once (anyOf noise collapsed)', `${FILE}:9:14 devices[0].address: must be an IPv4 or IPv6 address`],
    ['a port above 65535', `${FILE}:14:19 devices[0].declared.services[0].port: must be <= 65535`],
    ['a transport outside the enum', `${FILE}:15:34 devices[0].declared.services[1].transport: must be one of "tcp", "udp"`],
    ['a budget below its minimum', `${FILE}:18:27 devices[0].budget.maxSockets: must be >= 1`],
    ['a service declared twice', `${FILE}:17:11 devices[0].declared.services[3]: tcp/80 is declared twice`],
    ['a duplicate device id', `${FILE}:20:9 devices[1].id: duplicate device id "dev-1"`],
    ['a device outside network.scope', `${FILE}:21:14 devices[1].address: 10.1.2.3 is outside network.scope`],
    ['an unknown suite', `${FILE}:24:22 suites[1]: unknown suite "fuzz-magic" (known: open-ports, encryption)`],
  ])('reports %s as file:line:col path: message', (_what, expected) => {
    expect(configError(text, known).details).toContain(expected);
  });

  it('reports a malformed port list on its line', () => {
    const line = configError(text, known).details.find((d) => d.includes('devices[0].ports.tcp'));
    expect(line).toMatch(/^\/labs\/bench-a\/lab\.yaml:19:\d+ devices\[0\]\.ports\.tcp: has an invalid form/);
  });

  it('reports a key with no value at the key itself', () => {
    const err = configError(yaml(...LAB, 'devices:', '  - id: dev-1', '    address:', '    product: { manufacturer: Acme, model: M1 }', '    declared: { services: [] }'));
    // "address:" parses to null: a type error located at the key (line 10), not at the device.
    expect(err.details.some((d) => d.startsWith(`${FILE}:10:`) && d.includes('devices[0].address'))).toBe(true);
  });

  it('reports a property missing from a list item at that item', () => {
    const err = configError(yaml(...LAB, 'devices:', '  - id: dev-1', '    address: 127.66.0.10', '    declared: { services: [] }'));
    expect(err.details).toEqual([`${FILE}:9:5 devices[0]: missing required property "product"`]);
  });

  it('reports missing top-level sections at the root', () => {
    const err = configError(yaml('lab:', '  name: x'));
    expect(err.details).toEqual(
      expect.arrayContaining([
        `${FILE}:1:1 (root): missing required property "network"`,
        `${FILE}:1:1 (root): missing required property "devices"`,
      ]),
    );
  });

  it('does not throw anything but TL_CONFIG_INVALID on junk shapes', () => {
    for (const junk of ['42', '[1, 2]', 'devices: 3\nnetwork: { scope: 7 }', 'devices: [null, 1, { declared: 5 }]\nsuites: 9']) {
      expect(configError(junk).code).toBe('TL_CONFIG_INVALID');
    }
  });
});

describe('parseLabConfig: semantic problems (schema-valid file)', () => {
  const text = yaml(
    /* 1-7 */ ...LAB,
    /* 8 */ 'devices:',
    /* 9 */ '  - id: dev-1',
    /* 10 */ '    address: 127.66.1.5',
    /* 11 */ '    product: { manufacturer: Acme, model: M1 }',
    /* 12 */ '    declared:',
    /* 13 */ '      services:',
    /* 14 */ '        - { port: 80, transport: tcp, service: http }',
    /* 15 */ '        - { port: 80, transport: tcp, service: http-alt }',
    /* 16 */ '        - { port: 80, transport: udp, service: coap-ish }',
    /* 17 */ '  - id: dev-1',
    /* 18 */ '    address: 127.66.0.11',
    /* 19 */ '    product: { manufacturer: Acme, model: M1 }',
    /* 20 */ '    declared: { services: [] }',
    /* 21 */ '    samples: [{ id: s1, address: 192.0.2.1 }]',
    /* 22 */ 'suites: [open-ports, fuzz-magic]',
  );

  it('lists every problem in file order with its exact line', () => {
    const err = configError(text, { knownSuites: ['open-ports', 'encryption'] });
    expect(err.code).toBe('TL_CONFIG_INVALID');
    expect(err.exitCode).toBe(3);
    expect(err.details).toEqual([
      `${FILE}:10:14 devices[0].address: 127.66.1.5 is outside network.scope`,
      `${FILE}:15:11 devices[0].declared.services[1]: tcp/80 is declared twice`,
      `${FILE}:17:9 devices[1].id: duplicate device id "dev-1"`,
      `${FILE}:21:34 devices[1].samples[0].address: 192.0.2.1 is outside network.scope`,
      `${FILE}:22:22 suites[1]: unknown suite "fuzz-magic" (known: open-ports, encryption)`,
    ]);
  });

  it('does not check suite names when no knownSuites are given', () => {
    const err = configError(text);
    expect(err.details.some((d) => d.includes('suites['))).toBe(false);
  });

  it('reports a scope entry that parses as a pattern but not as an address', () => {
    const err = configError(minimal.replace('[127.66.0.0/24]', '[127.66.0.0/33]'));
    expect(err.details).toHaveLength(1);
    expect(err.details[0]).toMatch(/^\/labs\/bench-a\/lab\.yaml:7:10 network\.scope: .*prefix outside 0-32/);
  });

});

describe('parseLabConfig: YAML problems', () => {
  it('reports a syntax error as TL_CONFIG_YAML with its line', () => {
    const err = configError(yaml('lab:', '  name: [a, b', 'network: x'));
    expect(err.code).toBe('TL_CONFIG_YAML');
    expect(err.exitCode).toBe(3);
    expect(err.details).toHaveLength(1);
    expect(err.details[0]).toMatch(/^\/labs\/bench-a\/lab\.yaml:3:1 /);
  });

  it('reports an unterminated string', () => {
    const err = configError(yaml('lab:', '  name: "unterminated'));
    expect(err.code).toBe('TL_CONFIG_YAML');
    expect(err.details[0]).toMatch(/^\/labs\/bench-a\/lab\.yaml:\d+:\d+ Missing closing "quote/);
  });

  it('refuses duplicate keys at the duplicate', () => {
    const text = minimal.replace('  key: keys/lab.pem', '  key: keys/lab.pem\n  key: /etc/other.pem');
    const err = configError(text);
    expect(err.code).toBe('TL_CONFIG_YAML');
    expect(err.exitCode).toBe(3);
    expect(err.details).toEqual([`${FILE}:6:3 Map keys must be unique`]);
  });

  it('bounds alias expansion (billion laughs)', () => {
    const bomb = yaml(
      'a: &a [x, x, x, x, x, x, x, x, x, x]',
      'b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]',
      'c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]',
      'd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]',
    );
    expect(() => parseLabConfig(bomb, FILE)).toThrow();
  });
});

describe('locate helpers', () => {
  it.each([
    ['', []],
    ['/devices/0/address', ['devices', '0', 'address']],
    ['/a~1b/c~0d', ['a/b', 'c~d']],
  ] as const)('splitPointer(%j)', (pointer, segments) => {
    expect(splitPointer(pointer)).toEqual(segments);
  });

  it.each([
    [[], '(root)'],
    [['devices', '0', 'address'], 'devices[0].address'],
    [['0'], '[0]'],
    [['lab', 'signer'], 'lab.signer'],
  ] as const)('formatPath(%j) = %s', (segments, out) => {
    expect(formatPath(segments)).toBe(out);
  });

  it('formatIssue and deepFreeze', () => {
    expect(formatIssue({ file: 'f.yaml', line: 3, col: 5, path: 'a.b', message: 'bad' })).toBe('f.yaml:3:5 a.b: bad');
    const o = deepFreeze({ a: { b: [1, { c: 2 }] } });
    expect(Object.isFrozen(o.a.b[1])).toBe(true);
  });

  it('schemaErrors returns nothing for a valid object and fills defaults', () => {
    const data = {
      lab: { name: 'x', accreditation: { body: 'b', certificate: 'c', scope: 's' }, signer: { name: 'n', role: 'r' }, key: 'k' },
      network: { scope: ['127.66.0.0/24'] },
      devices: [{ id: 'd', address: '127.66.0.1', product: { manufacturer: 'm', model: 'm' }, declared: { services: [] } }],
    };
    expect(schemaErrors(data)).toEqual([]);
    expect((data.devices[0] as Record<string, unknown>).budget).toEqual({ maxSockets: 1024, attemptsPerSecond: 20 });
  });
});
