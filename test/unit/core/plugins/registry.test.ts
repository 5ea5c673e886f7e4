import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { TrustlabError, type ErrorCode } from '../../../../harness/errors.ts';
import { emptyRegistry, loadBuiltinSuites, loadPlugins, registerSuite } from '../../../../harness/plugins/registry.ts';
import { CHECK_API_VERSION, type CheckPlugin, type SuitePlugin } from '../../../../harness/plugins/types.ts';
import { validateCheckMeta, validateSuiteMeta } from '../../../../harness/plugins/validate-meta.ts';

const tmp = mkdtempSync(path.join(tmpdir(), 'trustlab-plugins-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const check = (over: Partial<CheckPlugin> = {}): CheckPlugin => ({
  apiVersion: CHECK_API_VERSION,
  id: 'vendor-x/telnet-off',
  version: '1.0.0',
  title: 'Telnet is off',
  testIds: ['CTM-PT-04'],
  needs: [],
  appliesTo: () => true,
  run: async () => [],
  ...over,
});

const suite = (over: Partial<SuitePlugin> = {}): SuitePlugin => ({
  apiVersion: CHECK_API_VERSION,
  id: 'vendor-x',
  version: '1.0.0',
  title: 'Vendor X extras',
  after: ['open-ports'],
  checks: [check()],
  ...over,
});

async function codeOf(fn: () => unknown): Promise<ErrorCode> {
  try {
    await fn();
  } catch (err) {
    expect(err).toBeInstanceOf(TrustlabError);
    return (err as TrustlabError).code;
  }
  throw new Error('expected a throw');
}

describe('loadBuiltinSuites', () => {
  it('registers open-ports with its checks, ids being their paths', async () => {
    const reg = emptyRegistry();
    await loadBuiltinSuites(reg);
    const op = reg.suites.get('open-ports');
    expect(op).toBeDefined();
    expect(op!.checks.map((c) => c.id)).toEqual(['open-ports/listening-services', 'open-ports/debug-services']);
    expect(op!.after).toEqual([]);
    expect(op!.apiVersion).toBe(1);
    expect(op!.version).toMatch(/^\d+\.\d+\.\d+$/);
    for (const c of op!.checks) {
      expect(c.apiVersion).toBe(1);
      expect(typeof c.run).toBe('function');
      expect(c.appliesTo({} as never)).toBe(true);
    }
    expect(op!.checks[0]!.testIds).toContain('CTM-PT-01');
    expect(op!.checks[1]!.testIds).toEqual(['CTM-PT-04']);
    expect(Object.isFrozen(op)).toBe(true);
    // Folders without suite.ts (data like requirements/) are not suites.
    expect(reg.suites.has('requirements')).toBe(false);
  });

  it('refuses to load the built-ins twice into one registry', async () => {
    const reg = emptyRegistry();
    await loadBuiltinSuites(reg);
    expect(await codeOf(() => loadBuiltinSuites(reg))).toBe('TL_PLUGIN_DUPLICATE');
  });
});

describe('registerSuite', () => {
  it('registers valid metadata and freezes the suite', () => {
    const reg = emptyRegistry();
    registerSuite(reg, suite(), 'test');
    expect(reg.suites.get('vendor-x')?.checks[0]?.id).toBe('vendor-x/telnet-off');
    expect(Object.isFrozen(reg.suites.get('vendor-x'))).toBe(true);
  });

  it.each<[string, () => SuitePlugin, ErrorCode, RegExp?]>([
    ['a check without run', () => suite({ checks: [{ ...check(), run: undefined } as unknown as CheckPlugin] }), 'TL_PLUGIN_INVALID'],
    ['a check whose run is not a function', () => suite({ checks: [check({ run: 'nope' as never })] }), 'TL_PLUGIN_INVALID', /appliesTo\(\) and run\(\)/],
    ['a check whose appliesTo is not a function', () => suite({ checks: [check({ appliesTo: true as never })] }), 'TL_PLUGIN_INVALID'],
    ['a check version that is not semver', () => suite({ checks: [check({ version: '1.0' })] }), 'TL_PLUGIN_INVALID'],
    ['a suite version that is not semver', () => suite({ version: 'v1' }), 'TL_PLUGIN_INVALID'],
    ['a check id not under the suite id', () => suite({ checks: [check({ id: 'other-suite/telnet-off' })] }), 'TL_PLUGIN_INVALID', /must start with "vendor-x\/"/],
    ['a check id prefixed by the suite id without a slash', () => suite({ checks: [check({ id: 'vendor-xy/telnet-off' })] }), 'TL_PLUGIN_INVALID'],
    ['a check id with no path', () => suite({ checks: [check({ id: 'telnet-off' })] }), 'TL_PLUGIN_INVALID'],
    ['an unknown CTM test id', () => suite({ checks: [check({ testIds: ['CTM-PT-99'] })] }), 'TL_PLUGIN_INVALID', /unknown test ids CTM-PT-99/],
    ['a malformed test id', () => suite({ checks: [check({ testIds: ['PT-01'] })] }), 'TL_PLUGIN_INVALID'],
    ['no test ids', () => suite({ checks: [check({ testIds: [] })] }), 'TL_PLUGIN_INVALID'],
    ['a wrong apiVersion', () => suite({ apiVersion: 2 as never }), 'TL_PLUGIN_INVALID'],
    ['a suite without checks', () => suite({ checks: [] }), 'TL_PLUGIN_INVALID'],
    ['a suite id that is not kebab-case', () => suite({ id: 'Vendor X' }), 'TL_PLUGIN_INVALID'],
    ['a suite without after', () => ({ ...suite(), after: undefined }) as unknown as SuitePlugin, 'TL_PLUGIN_INVALID'],
    ['the same check twice', () => suite({ checks: [check(), check()] }), 'TL_PLUGIN_DUPLICATE'],
  ])('refuses %s with %s', async (_what, make, code, message) => {
    const reg = emptyRegistry();
    let err: unknown;
    try {
      registerSuite(reg, make(), 'plugin test');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(TrustlabError);
    expect((err as TrustlabError).code).toBe(code);
    expect((err as TrustlabError).exitCode).toBe(3);
    expect((err as TrustlabError).message).toContain('plugin test');
    if (message) expect((err as TrustlabError).message).toMatch(message);
    expect(reg.suites.size).toBe(0);
  });

  it('refuses a duplicate suite id with TL_PLUGIN_DUPLICATE', async () => {
    const reg = emptyRegistry();
    registerSuite(reg, suite(), 'first');
    expect(await codeOf(() => registerSuite(reg, suite({ title: 'again' }), 'second'))).toBe('TL_PLUGIN_DUPLICATE');
    expect(reg.suites.get('vendor-x')?.title).toBe('Vendor X extras');
  });

  it('lists every schema problem in details', () => {
    let err: TrustlabError | undefined;
    try {
      validateCheckMeta({ apiVersion: 1, id: 'BAD', version: 'x', title: '', testIds: [], needs: [], appliesTo: () => true, run: async () => [] }, 'o');
    } catch (e) {
      err = e as TrustlabError;
    }
    expect(err?.code).toBe('TL_PLUGIN_INVALID');
    expect(err!.details.length).toBeGreaterThanOrEqual(4);
    expect(err!.details.some((d) => d.startsWith('/id '))).toBe(true);
    expect(err!.details.some((d) => d.startsWith('/version '))).toBe(true);
    expect(() => validateSuiteMeta(null, 'o')).toThrow(TrustlabError);
  });
});

describe('loadPlugins', () => {
  const write = (name: string, body: string): string => {
    const file = path.join(tmp, name);
    writeFileSync(file, body);
    return file;
  };

  it('registers the suites of a plugin module given by absolute path', async () => {
    const file = write('vendor-x.mjs', `
      const check = {
        apiVersion: 1, id: 'vendor-x/telnet-off', version: '1.2.3', title: 'Telnet is off',
        testIds: ['CTM-PT-04'], needs: [], appliesTo: () => true, run: async () => [],
      };
      export default {
        name: 'vendor-x',
        suites: [{ apiVersion: 1, id: 'vendor-x', version: '1.0.0', title: 'Vendor X', after: ['open-ports'], checks: [check] }],
        writers: [{ apiVersion: 1, id: 'vendor-csv', version: '1.0.0', title: 'CSV', mediaType: 'text/csv', fileName: 'r.csv', render: () => new Uint8Array() }],
      };
    `);
    const reg = emptyRegistry();
    await loadPlugins(reg, [file]);
    expect(reg.suites.get('vendor-x')?.checks.map((c) => c.id)).toEqual(['vendor-x/telnet-off']);
    expect(reg.writers.has('vendor-csv')).toBe(true);
  });

  it('refuses a second plugin registering the same writer id', async () => {
    const file = write('writer-only.mjs', `export default { name: 'w', writers: [{ id: 'dup-writer' }] };`);
    const reg = emptyRegistry();
    await loadPlugins(reg, [file]);
    expect(await codeOf(() => loadPlugins(reg, [file]))).toBe('TL_PLUGIN_DUPLICATE');
  });

  it.each<[string, () => string, ErrorCode]>([
    ['a missing path', () => path.join(tmp, 'does-not-exist.mjs'), 'TL_PLUGIN_LOAD'],
    ['a package that is not installed', () => 'trustlab-plugin-that-does-not-exist', 'TL_PLUGIN_LOAD'],
    ['a module that throws on import', () => write('throws.mjs', `throw new Error('boom');`), 'TL_PLUGIN_LOAD'],
    ['a module without a default export', () => write('nodefault.mjs', `export const name = 'x';`), 'TL_PLUGIN_INVALID'],
    ['a default export without a name', () => write('noname.mjs', `export default { suites: [] };`), 'TL_PLUGIN_INVALID'],
    ['a plugin suite with bad metadata', () => write('badsuite.mjs', `export default { name: 'b', suites: [{ apiVersion: 1, id: 'b', version: 'x', title: 't', after: [], checks: [] }] };`), 'TL_PLUGIN_INVALID'],
  ])('refuses %s with %s', async (_what, spec, code) => {
    const reg = emptyRegistry();
    expect(await codeOf(() => loadPlugins(reg, [spec()]))).toBe(code);
  });

  it('names the plugin in a load error', async () => {
    const missing = path.join(tmp, 'nope', 'plugin.mjs');
    await expect(loadPlugins(emptyRegistry(), [missing])).rejects.toThrow(`cannot load plugin "${missing}"`);
  });
});
