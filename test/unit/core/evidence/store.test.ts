import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { EvidenceStore } from '../../../../harness/evidence/store.ts';

const root = mkdtempSync(path.join(tmpdir(), 'trustlab-evidence-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

let n = 0;
const freshStore = (): EvidenceStore => new EvidenceStore(path.join(root, `bag-${++n}`, 'data'));
const sha = (b: Buffer | string): string => createHash('sha256').update(b).digest('hex');

describe('EvidenceStore', () => {
  it('creates data/evidence and stores bytes under their sha256', () => {
    const store = freshStore();
    expect(existsSync(path.join(store.dataDir, 'evidence'))).toBe(true);
    const ref = store.put('scan.json', '{"open":[22]}', 'application/json');
    expect(ref.sha256).toBe(sha('{"open":[22]}'));
    expect(ref.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(ref.mediaType).toBe('application/json');
    expect(ref.path).toBe(`evidence/${ref.sha256.slice(0, 16)}-scan.json`);
    expect(readFileSync(path.join(store.dataDir, ref.path), 'utf8')).toBe('{"open":[22]}');
  });

  it('hashes the known empty-string digest', () => {
    expect(freshStore().put('empty', '', 'text/plain').sha256).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
  });

  it('stores the same bytes twice as one file with the same reference', () => {
    const store = freshStore();
    const bytes = new Uint8Array([0, 1, 2, 255, 254]);
    const a = store.put('banner.bin', bytes, 'application/octet-stream');
    const b = store.put('banner.bin', Buffer.from(bytes), 'application/octet-stream');
    expect(b).toEqual(a);
    expect(readdirSync(path.join(store.dataDir, 'evidence'))).toEqual([path.basename(a.path)]);
    expect(readFileSync(path.join(store.dataDir, a.path)).equals(Buffer.from(bytes))).toBe(true);
  });

  it('treats a string as UTF-8', () => {
    const ref = freshStore().put('t', 'caf\u00e9', 'text/plain');
    expect(ref.sha256).toBe(sha(Buffer.from('caf\u00e9', 'utf8')));
  });

  it('leaves no temporary files behind', () => {
    const store = freshStore();
    store.put('a', 'one', 'text/plain');
    store.put('b', 'two', 'text/plain');
    expect(readdirSync(path.join(store.dataDir, 'evidence')).some((f) => f.includes('.tmp-'))).toBe(false);
  });

  it.each([
    ['../../etc/passwd', '_.._etc_passwd'],
    ['/etc/shadow', '_etc_shadow'],
    ['..\\..\\win.ini', '_.._win.ini'],
    ['..', 'evidence'],
    ['', 'evidence'],
    ['...hidden', 'hidden'],
    ['ok-name_1.txt', 'ok-name_1.txt'],
    ['sp ace:colon\u0000nul', 'sp_ace_colon_nul'],
    ['x'.repeat(200), 'x'.repeat(80)],
  ])('keeps the name %j as one safe segment inside evidence/ (%j)', (name, cleaned) => {
    const store = freshStore();
    const ref = store.put(name, `content for ${name}`, 'text/plain');
    expect(ref.path).toBe(`evidence/${ref.sha256.slice(0, 16)}-${cleaned}`);
    const abs = path.resolve(store.dataDir, ref.path);
    expect(path.dirname(abs)).toBe(path.resolve(store.dataDir, 'evidence'));
    expect(readFileSync(abs, 'utf8')).toBe(`content for ${name}`);
    expect(existsSync(path.join(root, 'etc'))).toBe(false);
  });
});
