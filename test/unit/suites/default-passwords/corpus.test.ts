/** Integrity of the credential corpus and the surface table, and the order credentials are tried in. */
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { corpus, corpusErrors, readLabList, selectCredentials } from '../../../../suites/default-passwords/corpus.ts';
import { surfaceTable } from '../../../../suites/default-passwords/surfaces.ts';

const root = fileURLToPath(new URL('../../../../', import.meta.url));
const MIRAI = [path.join(root, '../shared/data/credentials/mirai.csv'), '/work/shared/data/credentials/mirai.csv'].find(existsSync);

describe('credential corpus', () => {
  it('matches its schema and names a known source for every entry', () => {
    const { ref: _ref, ...doc } = corpus;
    expect(corpusErrors(doc)).toEqual([]);
    for (const e of corpus.entries) expect(Object.keys(corpus.sources)).toContain(e.source);
    expect(corpusErrors({ ...corpus, entries: [{ username: 'a', password: 'b', weight: 2 }] }).join('\n')).toMatch(/source|weight/);
  });

  it('has no duplicate entry within one source, and every vendor entry says where its default applied', () => {
    const keys = corpus.entries.map((e) => `${e.source}|${e.vendors?.join(',') ?? ''}|${e.username}|${e.password}`);
    expect(new Set(keys).size).toBe(keys.length);
    for (const e of corpus.entries.filter((x) => x.vendors)) expect(e.note?.length ?? 0).toBeGreaterThan(20);
  });

  it.skipIf(!MIRAI)('holds every pair of the Mirai list, tagged with its source', () => {
    const pairs = readFileSync(MIRAI!, 'utf8').split('\n').filter((l) => l && !l.startsWith('#')).slice(1).map((l) => l.split(','));
    const mirai = new Set(corpus.entries.filter((e) => e.source === 'mirai').map((e) => `${e.username}:${e.password}`));
    for (const [u, p] of pairs) expect(mirai.has(`${u}:${p ?? ''}`)).toBe(true);
  });

  it('the surface table names the brute-force bounds the issue asks for', () => {
    expect(surfaceTable.bruteForce.failures).toBeGreaterThanOrEqual(10);
    expect(surfaceTable.bruteForce.maxSeconds).toBeLessThanOrEqual(60);
  });
});

describe('selection order', () => {
  const entries = [
    { username: 'g1', password: 'x', source: 'common-defaults', weight: 0.2 },
    { username: 'g2', password: 'x', source: 'common-defaults', weight: 0.9 },
    { username: 'v', password: 'x', source: 'vendor-manual', vendors: ['Hikvision'], weight: 0.1 },
    { username: 'other', password: 'x', source: 'vendor-manual', vendors: ['Dahua'], weight: 1 },
    { username: 't', password: 'x', source: 'mirai', protocols: ['telnet' as const], weight: 1 },
  ];

  it('puts the declared vendor first, then lab lists, then the general list by weight; drops other vendors and protocols', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'tl-dp-'));
    const list = path.join(dir, 'lab.csv');
    writeFileSync(list, 'username,password\n# ours\nlab,secret\ng2,x\n');
    const got = selectCredentials({ protocol: 'ssh', manufacturer: 'hikvision', labLists: [list], entries });
    expect(got.map((c) => c.username)).toEqual(['v', 'lab', 'g2', 'g1']);
    expect(got[1]!.source).toBe('lab-list:lab.csv');
    expect(selectCredentials({ protocol: 'telnet', entries }).map((c) => c.username)).toEqual(['t', 'g2', 'g1']);
  });

  it('refuses a malformed lab list with a coded error', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'tl-dp-'));
    writeFileSync(path.join(dir, 'bad.csv'), 'no-comma-here\n');
    expect(() => readLabList(path.join(dir, 'bad.csv'))).toThrow(expect.objectContaining({ code: 'TL_CONFIG_INVALID' }));
    expect(() => readLabList(path.join(dir, 'missing.csv'))).toThrow(expect.objectContaining({ code: 'TL_CONFIG_READ' }));
  });
});
