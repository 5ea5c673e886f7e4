import { generateKeyPairSync } from 'node:crypto';
import { cp, mkdir, mkdtemp, readFile, rm, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { walkTree, writeBagTags } from '../../../reports/bagit.ts';
import { verifyEnvelope } from '../../../reports/dsse.ts';
import { parseStatement, PREDICATE_TYPE } from '../../../reports/intoto.ts';
import { keyIdFor } from '../../../reports/keys.ts';
import { sealRun, verifyRun } from '../../../reports/signed-run.ts';

const lab = generateKeyPairSync('ed25519');
const stranger = generateKeyPairSync('ed25519');
let root: string;
let sealed: string;
let files: string[];

async function freshCopy(name: string): Promise<string> {
  const dir = join(root, name);
  await cp(sealed, dir, { recursive: true });
  return dir;
}

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'trustlab-signed-'));
  sealed = join(root, 'sealed');
  await mkdir(join(sealed, 'data/evidence'), { recursive: true });
  await mkdir(join(sealed, 'data/exports'), { recursive: true });
  await writeFile(join(sealed, 'data/report.json'), '{"run":"r1","verdict":"pass"}\n');
  await writeFile(join(sealed, 'data/evidence/a.txt'), 'SSH-2.0-OpenSSH_9.2\r\n');
  await writeFile(join(sealed, 'data/exports/x.sarif'), '{"version":"2.1.0","runs":[]}\n');
  await sealRun(sealed, {
    privateKey: lab.privateKey,
    bagInfo: { 'Source-Organization': 'Example Lab', 'External-Identifier': 'r1' },
    predicate: { runId: 'r1', verdict: 'pass' },
  });
  files = (await walkTree(sealed)).map((e) => e.path);
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('sealRun', () => {
  it('lays out a bag plus a signed envelope whose subjects are report, manifests and exports', async () => {
    expect(files).toEqual([
      'bag-info.txt',
      'bagit.txt',
      'data/evidence/a.txt',
      'data/exports/x.sarif',
      'data/report.json',
      'lab-key.pub.pem',
      'manifest-sha256.txt',
      'report.intoto.json',
      'tagmanifest-sha256.txt',
    ]);
    const envelope: unknown = JSON.parse(await readFile(join(sealed, 'report.intoto.json'), 'utf8'));
    const statement = parseStatement(verifyEnvelope(envelope, lab.publicKey).body);
    expect(statement.predicateType).toBe(PREDICATE_TYPE);
    expect(statement.predicate).toEqual({ runId: 'r1', verdict: 'pass' });
    expect(statement.subject.map((s) => s.name)).toEqual([
      'data/exports/x.sarif',
      'data/report.json',
      'manifest-sha256.txt',
      'tagmanifest-sha256.txt',
    ]);
    const tags = await readFile(join(sealed, 'tagmanifest-sha256.txt'), 'utf8');
    expect(tags).toContain('  lab-key.pub.pem\n');
    expect(tags).not.toContain('report.intoto.json');
  });

  it('verifies with the given key and with the bundled key, saying which', async () => {
    const given = await verifyRun(sealed, { publicKey: lab.publicKey });
    expect(given).toMatchObject({ ok: true, problems: [], keySource: 'given', keyId: keyIdFor(lab.publicKey) });
    expect(given.statement?.subject).toHaveLength(4);
    const bundled = await verifyRun(sealed);
    expect(bundled).toMatchObject({ ok: true, problems: [], keySource: 'bundled' });
  });

  it('fails with another lab\'s key', async () => {
    const res = await verifyRun(sealed, { publicKey: stranger.publicKey });
    expect(res.ok).toBe(false);
    expect(res.problems.join('\n')).toMatch(/^report\.intoto\.json: envelope: none of its 1 signature/m);
  });

  it('refuses a run without data/report.json, and a directory that is not there', async () => {
    const empty = join(root, 'empty');
    await mkdir(join(empty, 'data'), { recursive: true });
    const err = await sealRun(empty, { privateKey: lab.privateKey, bagInfo: {}, predicate: {} }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'TL_RUN_DIR' });
    await expect(verifyRun(join(root, 'nowhere'))).rejects.toMatchObject({ code: 'TL_RUN_DIR' });
    await expect(sealRun(sealed, { privateKey: lab.publicKey, bagInfo: {}, predicate: {} })).rejects.toMatchObject({ code: 'TL_SIGN' });
  });

  it('names extra subjects and refuses unsafe ones', async () => {
    const dir = await freshCopy('extra-subjects');
    await writeFile(join(dir, 'data/evidence/b.txt'), 'b');
    const res = await sealRun(dir, { privateKey: lab.privateKey, bagInfo: {}, predicate: {}, extraSubjects: ['data/evidence/b.txt'] });
    expect(res.statement.subject.map((s) => s.name)).toContain('data/evidence/b.txt');
    expect((await verifyRun(dir, { publicKey: lab.publicKey })).ok).toBe(true);
    await expect(sealRun(dir, { privateKey: lab.privateKey, bagInfo: {}, predicate: {}, extraSubjects: ['../x'] })).rejects.toThrow(
      /must be a file inside the run/,
    );
  });
});

describe('verifyRun catches any change', () => {
  // Every byte of the envelope's structure, keyid and signature, and of the bundled key, where a flip
  // might slip past a parser; inside the long base64 payload every 5th byte (all residues mod 4) and
  // its ends. Other files are hashed as opaque bytes: every byte of short ones, a spread elsewhere.
  function positions(file: string, content: Buffer): number[] {
    const all = [...Array(content.length).keys()];
    if (file === 'report.intoto.json') {
      const start = content.indexOf('"payload": "') + 12;
      const end = content.indexOf('"', start);
      return all.filter((i) => i < start + 8 || i >= end - 8 || (i - start) % 5 === 0);
    }
    if (file === 'lab-key.pub.pem' || content.length <= 64) return all;
    return [...new Set([...Array(33).keys()].map((k) => Math.round((k * (content.length - 1)) / 32)))];
  }
  it('fails, naming the file, for single-byte flips in every file', async () => {
    const dir = await freshCopy('flips');
    let checked = 0;
    for (const file of files) {
      const original = await readFile(join(dir, file));
      for (const i of positions(file, original)) {
        const flipped = Buffer.from(original);
        flipped[i] ^= 0x01;
        await writeFile(join(dir, file), flipped);
        // The bundled key only matters for the one file it reads; elsewhere the given key is enough.
        const keys = file === 'lab-key.pub.pem' || i === 0 ? [lab.publicKey, undefined] : [lab.publicKey];
        for (const publicKey of keys) {
          const res = await verifyRun(dir, publicKey ? { publicKey } : {});
          if (res.ok || !res.problems.some((p) => p.startsWith(`${file}:`))) {
            throw new Error(`flipping byte ${i} of ${file} (${publicKey ? 'given' : 'bundled'} key) gave ${JSON.stringify(res.problems)}`);
          }
          checked++;
        }
      }
      await writeFile(join(dir, file), original);
    }
    expect(checked).toBeGreaterThan(800);
    expect((await verifyRun(dir, { publicKey: lab.publicKey })).ok).toBe(true);
  });

  it('fails for a stray file anywhere', async () => {
    for (const stray of ['stray.txt', 'data/evidence/stray.txt', 'data/stray', 'notes/more.txt', '.hidden']) {
      const dir = await freshCopy(`stray-${stray.replace(/\W/g, '_')}`);
      await mkdir(join(dir, stray, '..'), { recursive: true });
      await writeFile(join(dir, stray), 'x');
      const res = await verifyRun(dir, { publicKey: lab.publicKey });
      expect(res.ok).toBe(false);
      expect(res.problems.some((p) => p.startsWith(`${stray}:`))).toBe(true);
    }
  });

  it('fails for every deleted file, naming it', async () => {
    for (const file of files) {
      const dir = await freshCopy(`deleted-${file.replace(/\W/g, '_')}`);
      await unlink(join(dir, file));
      for (const publicKey of [lab.publicKey, undefined]) {
        const res = await verifyRun(dir, publicKey ? { publicKey } : {});
        expect(res.ok).toBe(false);
        expect(res.problems.some((p) => p.startsWith(`${file}:`)), `${file}: ${JSON.stringify(res.problems)}`).toBe(true);
      }
    }
  });

  it('fails when the envelope is re-indented or its fields reordered, though the signature holds', async () => {
    const dir = await freshCopy('relayout');
    const text = await readFile(join(dir, 'report.intoto.json'), 'utf8');
    const env = JSON.parse(text) as Record<string, unknown>;
    for (const variant of [text.replace('\n  ', '\n\t'), JSON.stringify(env), `${JSON.stringify({ signatures: env.signatures, ...env }, null, 2)}\n`]) {
      await writeFile(join(dir, 'report.intoto.json'), variant);
      const res = await verifyRun(dir, { publicKey: lab.publicKey });
      expect(res.ok).toBe(false);
      expect(res.problems).toEqual([expect.stringMatching(/^report\.intoto\.json: bytes differ from the layout trustlab writes/)]);
    }
  });

  it('fails when the whole run is re-bagged but not re-signed', async () => {
    const dir = await freshCopy('rebagged');
    await writeFile(join(dir, 'data/evidence/a.txt'), 'forged');
    await writeBagTags(dir, { 'Source-Organization': 'Example Lab' });
    const res = await verifyRun(dir, { publicKey: lab.publicKey });
    expect(res.ok).toBe(false);
    expect(res.problems.some((p) => p.startsWith('manifest-sha256.txt: sha256 mismatch (signed statement says'))).toBe(true);
  });
});
