import { createHash, randomBytes } from 'node:crypto';
import { appendFile, mkdir, mkdtemp, readFile, rm, symlink, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { TrustlabError } from '../../../harness/errors.ts';
import { sha256File, verifyBag, walkTree, writeBagTags } from '../../../reports/bagit.ts';

const sha = (data: string | Buffer): string => createHash('sha256').update(data).digest('hex');

let bag: string;
beforeEach(async () => {
  bag = await mkdtemp(join(tmpdir(), 'trustlab-bag-'));
  await mkdir(join(bag, 'data/evidence/sub'), { recursive: true });
  await writeFile(join(bag, 'data/report.json'), '{"ok":true}\n');
  await writeFile(join(bag, 'data/evidence/b.txt'), 'banner\n');
  await writeFile(join(bag, 'data/evidence/sub/a b.txt'), 'spaced');
  await writeFile(join(bag, 'lab-key.pub.pem'), 'not really a key\n');
  await writeFile(join(bag, 'report.intoto.json'), '{}');
});
afterEach(async () => {
  await rm(bag, { recursive: true, force: true });
});

const info = { 'Source-Organization': 'Example Lab', 'External-Identifier': 'run-1', 'Bagging-Date': '2025-03-04' };

describe('writeBagTags', () => {
  it('writes the four tag files as RFC 8493 describes', async () => {
    const digests = await writeBagTags(bag, info);
    expect(await readFile(join(bag, 'bagit.txt'), 'utf8')).toBe('BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n');
    expect(await readFile(join(bag, 'bag-info.txt'), 'utf8')).toBe(
      'Source-Organization: Example Lab\nExternal-Identifier: run-1\nBagging-Date: 2025-03-04\nPayload-Oxum: 25.3\n',
    );
    expect(await readFile(join(bag, 'manifest-sha256.txt'), 'utf8')).toBe(
      `${sha('banner\n')}  data/evidence/b.txt\n${sha('spaced')}  data/evidence/sub/a b.txt\n${sha('{"ok":true}\n')}  data/report.json\n`,
    );
    const tagLines = (await readFile(join(bag, 'tagmanifest-sha256.txt'), 'utf8')).trimEnd().split('\n');
    expect(tagLines.map((l) => l.split('  ')[1])).toEqual(['bag-info.txt', 'bagit.txt', 'lab-key.pub.pem', 'manifest-sha256.txt']);
    for (const line of tagLines) {
      const [hex, name] = line.split('  ');
      expect(hex).toBe(sha(await readFile(join(bag, name!))));
    }
    expect(digests.payloadOxum).toBe('25.3');
    expect(digests.payload['data/report.json']).toEqual({ sha256: sha('{"ok":true}\n'), size: 12 });
    expect(Object.keys(digests.tags).sort()).toEqual(['bag-info.txt', 'bagit.txt', 'lab-key.pub.pem', 'manifest-sha256.txt']);
    expect(await verifyBag(bag)).toEqual([]);
  });

  it('adds a Bagging-Date when none is given and computes Payload-Oxum itself', async () => {
    await writeBagTags(bag, { 'Payload-Oxum': '1.1' });
    const text = await readFile(join(bag, 'bag-info.txt'), 'utf8');
    expect(text).toMatch(/^Bagging-Date: \d{4}-\d{2}-\d{2}\nPayload-Oxum: 25\.3\n$/);
  });

  it('percent-encodes CR, LF and % in manifest paths and verifies them back', async () => {
    await writeFile(join(bag, 'data/odd\nname%25\r.txt'), 'x');
    await writeBagTags(bag, info);
    expect(await readFile(join(bag, 'manifest-sha256.txt'), 'utf8')).toContain(`${sha('x')}  data/odd%0Aname%2525%0D.txt\n`);
    expect(await verifyBag(bag)).toEqual([]);
  });

  it('refuses symlinks, bad labels and a missing data/ directory', async () => {
    await symlink('/etc/hostname', join(bag, 'data/link'));
    await expect(writeBagTags(bag, info)).rejects.toThrow(/data\/link: is a symlink/);
    await unlink(join(bag, 'data/link'));
    await expect(writeBagTags(bag, { 'Bad:Label': 'x' })).rejects.toThrow(/not a valid BagIt label/);
    await expect(writeBagTags(bag, { Label: 'two\nlines' })).rejects.toThrow(/single line/);
    await rm(join(bag, 'data'), { recursive: true });
    const err = await writeBagTags(bag, info).catch((e: unknown) => e);
    expect((err as TrustlabError).code).toBe('TL_RUN_DIR');
  });

  it('hashes large files as a stream', async () => {
    const big = randomBytes(5 * 1024 * 1024 + 7);
    await writeFile(join(bag, 'data/evidence/capture.pcap'), big);
    expect(await sha256File(join(bag, 'data/evidence/capture.pcap'))).toEqual({ sha256: sha(big), size: big.length });
    const digests = await writeBagTags(bag, info);
    expect(digests.payloadOxum).toBe(`${25 + big.length}.4`);
    expect(await verifyBag(bag)).toEqual([]);
  });
});

describe('verifyBag', () => {
  beforeEach(async () => {
    await writeBagTags(bag, info);
  });

  it('names a changed payload file with both digests', async () => {
    await writeFile(join(bag, 'data/evidence/b.txt'), 'banneR\n');
    const problems = await verifyBag(bag);
    expect(problems).toContain(
      `data/evidence/b.txt: sha256 mismatch (manifest-sha256.txt says ${sha('banner\n').slice(0, 12)}..., file is ${sha('banneR\n').slice(0, 12)}...)`,
    );
  });

  it('reports missing and extra payload files and Payload-Oxum drift', async () => {
    await unlink(join(bag, 'data/evidence/b.txt'));
    await writeFile(join(bag, 'data/evidence/new.txt'), 'stray');
    const problems = await verifyBag(bag);
    expect(problems).toContain('data/evidence/b.txt: listed in manifest-sha256.txt but missing');
    expect(problems).toContain('data/evidence/new.txt: payload file not listed in manifest-sha256.txt');
    expect(problems).toContain('bag-info.txt: Payload-Oxum says 25.3, payload is 23.3 (octets.files)');
  });

  it('reports a bad bagit.txt and tag manifest mismatches', async () => {
    await writeFile(join(bag, 'bagit.txt'), 'BagIt-Version: 0.97\nTag-File-Character-Encoding: UTF-8\n');
    const problems = await verifyBag(bag);
    expect(problems).toContain('bagit.txt: BagIt-Version is "0.97", expected "1.0"');
    expect(problems.some((p) => p.startsWith('bagit.txt: sha256 mismatch (tagmanifest-sha256.txt says'))).toBe(true);
  });

  it('reports missing tag files, missing manifests and malformed lines', async () => {
    await unlink(join(bag, 'lab-key.pub.pem'));
    await appendFile(join(bag, 'manifest-sha256.txt'), 'nonsense\n0000000000000000000000000000000000000000000000000000000000000000  data/../x\n');
    await unlink(join(bag, 'tagmanifest-sha256.txt'));
    const problems = await verifyBag(bag);
    expect(problems).toContain('manifest-sha256.txt line 4: not "<sha256>  <path>"');
    expect(problems).toContain('manifest-sha256.txt line 5: unsafe path "data/../x"');
    expect(problems).toContain('tagmanifest-sha256.txt: missing');
    await unlink(join(bag, 'bagit.txt'));
    await unlink(join(bag, 'manifest-sha256.txt'));
    expect(await verifyBag(bag)).toEqual(expect.arrayContaining(['bagit.txt: missing', 'manifest-sha256.txt: missing']));
  });

  it('reports a symlink that replaced a payload file', async () => {
    await unlink(join(bag, 'data/report.json'));
    await symlink(join(bag, 'data/evidence/b.txt'), join(bag, 'data/report.json'));
    expect(await verifyBag(bag)).toContain('data/report.json: is a symlink or special file; a bag holds regular files only');
  });

  it('lists the tree with forward slashes, sorted', async () => {
    const tree = await walkTree(bag);
    expect(tree.map((e) => e.path)).toEqual([
      'bag-info.txt',
      'bagit.txt',
      'data/evidence/b.txt',
      'data/evidence/sub/a b.txt',
      'data/report.json',
      'lab-key.pub.pem',
      'manifest-sha256.txt',
      'report.intoto.json',
      'tagmanifest-sha256.txt',
    ]);
  });
});
