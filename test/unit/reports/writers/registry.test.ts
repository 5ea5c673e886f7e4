/**
 * The registry data draft (CTM-DOC-02) on the fixture report: the ten 47 CFR 8.222 fields per
 * product, filled from the declaration and the lab, "not provided" where nothing supplies a
 * value, and each field the results contradict flagged with the failures that contradict it.
 */
import { describe, expect, it } from 'vitest';
import { TrustlabError } from '../../../../harness/errors.ts';
import { NOT_PROVIDED, registryWriter, type RegistryField } from '../../../../reports/writers/registry.ts';
import { fixtureReport } from './fixture.ts';

interface Product { deviceId: string; fields: RegistryField[]; 'CTM-DOC-02': { status: string; flags: string[] } }
const draftOf = (report: unknown): { generator: string; products: Product[] } => JSON.parse(Buffer.from(registryWriter.render(report)).toString('utf8'));
const fieldsOf = (p: Product): Record<string, RegistryField> => Object.fromEntries(p.fields.map((f) => [f.name, f]));

describe('registry writer', () => {
  const draft = draftOf(fixtureReport());
  const [cam, plug] = draft.products as [Product, Product];

  it('lists the ten 8.222 fields in order for every product', () => {
    expect(draft.products.map((p) => p.deviceId)).toEqual(['cam', 'plug']);
    expect(cam.fields.map((f) => f.field)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(cam.fields.map((f) => f.name)).toEqual(['product', 'manufacturer', 'authorizationDate', 'certificationBody', 'testingLab', 'defaultPassword', 'secureConfiguration', 'automaticUpdates', 'supportEndDate', 'sbomHbom']);
    const f = fieldsOf(cam);
    expect(f.product!.value).toBe('EC-100, hardware rev-A, firmware 2.4.1');
    expect(f.manufacturer!.value).toBe('Example Cameras Inc.');
    expect(f.testingLab!.value).toBe('Example Testing Laboratory <LLC> (A2LA, certificate 1234.01)');
    expect(f.authorizationDate!.status).toBe('set by the administrator');
  });

  it('flags the password declaration contradicted by a default-credential failure (field 6 vs CTM-DP)', () => {
    const f = fieldsOf(cam).defaultPassword!;
    expect(f.value).toBe('each unit has a unique pre-installed password (declared); instructions: Settings > Security > Change password');
    expect(f.status).toBe('contradicted');
    expect(f.contradictedBy).toEqual(['CTM-DP-02 fail on tcp/2323 (telnet): default credentials admin/admin accepted on telnet tcp/2323']);
  });

  it('flags declared automatic updates contradicted by CTM-UP-06, and a support period over before the test', () => {
    const f = fieldsOf(cam);
    expect(f.automaticUpdates!.status).toBe('contradicted');
    expect(f.automaticUpdates!.contradictedBy[0]).toMatch(/^CTM-UP-06 fail on device: declared automatic updates did not install/);
    expect(f.supportEndDate!.value).toBe('2025-12-31');
    expect(f.supportEndDate!.contradictedBy).toContain('support end date 2025-12-31 is before the test date 2026-01-10');
    expect(f.secureConfiguration!.contradictedBy.map((c) => c.split(':')[0])).toEqual(['CTM-PT-01 fail on tcp/2323 (telnet)', 'CTM-PT-04 fail on tcp/2323 (telnet)']);
  });

  it('says "not provided" instead of inventing, and checked-but-consistent fields stay provided', () => {
    const f = fieldsOf(plug);
    for (const name of ['defaultPassword', 'secureConfiguration', 'automaticUpdates', 'supportEndDate', 'sbomHbom']) {
      expect(f[name], name).toMatchObject({ value: NOT_PROVIDED, status: NOT_PROVIDED, source: 'none' });
    }
    expect(f.product!.value).toBe('P-1');
    expect(plug['CTM-DOC-02'].status).toBe('fail');
    expect(plug['CTM-DOC-02'].flags).toContain('field 9 (supportEndDate) not provided');
  });

  it('fails CTM-DOC-02 for every missing or contradicted manufacturer field, and only for those', () => {
    expect(cam['CTM-DOC-02'].status).toBe('fail');
    expect(cam['CTM-DOC-02'].flags.map((x) => x.split(' ').slice(0, 4).join(' '))).toEqual([
      'field 6 (defaultPassword) contradicted:', 'field 7 (secureConfiguration) contradicted:', 'field 8 (automaticUpdates) contradicted:',
      'field 9 (supportEndDate) contradicted:', 'field 10 (sbomHbom) not',
    ]);
    const report = fixtureReport();
    const base = { services: [], passwords: 'user-defined-at-setup', updates: { automatic: false }, supportEndDate: '2030-12-31' };
    report.devices[1]!.declared = base;
    // Without the registry declaration, what only the manufacturer can say stays open.
    const product = draftOf(report).products[1]!;
    expect(product['CTM-DOC-02'].flags).toEqual(['field 7 (secureConfiguration) not provided', 'field 8 (automaticUpdates) not provided', 'field 10 (sbomHbom) not provided']);
    report.devices[1]!.declared = { ...base, registry: { secureConfiguration: 'https://example.com/p1/secure', updateInstructions: 'Settings > Firmware > Check now', sbom: true, hbom: false } };
    const complete = draftOf(report).products[1]!;
    expect(complete['CTM-DOC-02']).toEqual({ status: 'pass', flags: [] });
    expect(fieldsOf(complete).automaticUpdates).toMatchObject({ status: 'provided', value: 'updates are not automatic (declared); how to get them: Settings > Firmware > Check now' });
    expect(fieldsOf(complete).sbomHbom).toMatchObject({ status: 'provided', value: 'SBOM kept; HBOM not kept (declared)' });
  });

  it('is stamped, deterministic, and refuses what is not a report', () => {
    expect(draft.generator).toBe('trustlab-registry-writer/1.1.0');
    expect(Buffer.from(registryWriter.render(fixtureReport())).equals(Buffer.from(registryWriter.render(fixtureReport())))).toBe(true);
    expect(() => registryWriter.render([])).toThrow(TrustlabError);
  });
});
