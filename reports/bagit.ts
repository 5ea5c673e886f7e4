/**
 * BagIt 1.0 (RFC 8493) tag files for a run directory, and their verification. Files are
 * hashed as streams: evidence captures can be large.
 */

import { createHash } from 'node:crypto';
import { lstat, open, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { TrustlabError } from '../harness/errors.ts';

/** Payload manifest file name (sha256 is the only algorithm trustlab writes). */
export const MANIFEST = 'manifest-sha256.txt';
/** Tag manifest file name. */
export const TAG_MANIFEST = 'tagmanifest-sha256.txt';
/** The DSSE envelope: written after the tag manifest and covered by its own signature instead. */
export const ENVELOPE = 'report.intoto.json';

const BAGIT_TXT = 'BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n';
const NOT_REGULAR = 'is a symlink or special file; a bag holds regular files only';

/** sha256 (lowercase hex) and size in bytes of one file. */
export interface FileDigest {
  sha256: string;
  size: number;
}

/** Digests `writeBagTags` recorded, keyed by bag-relative path. */
export interface BagDigests {
  payload: Record<string, FileDigest>;
  tags: Record<string, string>;
  payloadOxum: string;
}

/** One entry of a directory tree: bag-relative path with `/` separators. */
export interface TreeEntry {
  path: string;
  regular: boolean;
}

/** What `auditBag` found: problems plus the manifests' entries, for callers that check coverage. */
export interface BagAudit {
  problems: string[];
  manifest: Map<string, string>;
  tagManifest: Map<string, string>;
}

/** Stream a file through sha256. */
export async function sha256File(path: string): Promise<FileDigest> {
  const hash = createHash('sha256');
  const buf = Buffer.allocUnsafe(1 << 16);
  let size = 0;
  // A plain read loop on one handle: far fewer event-loop turns than a ReadStream for the many small files.
  const handle = await open(path, 'r');
  try {
    let n: number;
    while ((n = (await handle.read(buf, 0, buf.length, null)).bytesRead) > 0) {
      hash.update(buf.subarray(0, n));
      size += n;
    }
  } finally {
    await handle.close();
  }
  return { sha256: hash.digest('hex'), size };
}

/** Every non-directory under `root`, sorted; symlinks and special files are marked not regular. */
export async function walkTree(root: string, prefix = ''): Promise<TreeEntry[]> {
  const out: TreeEntry[] = [];
  const entries = await readdir(prefix === '' ? root : join(root, prefix), { withFileTypes: true });
  for (const e of entries) {
    const path = prefix === '' ? e.name : `${prefix}/${e.name}`;
    if (e.isDirectory()) out.push(...(await walkTree(root, path)));
    else out.push({ path, regular: e.isFile() });
  }
  return out.sort((a, b) => byCodeUnit(a.path, b.path));
}

/** Write bagit.txt, bag-info.txt, manifest-sha256.txt and tagmanifest-sha256.txt for a `data/` payload. */
export async function writeBagTags(bagDir: string, bagInfo: Record<string, string>): Promise<BagDigests> {
  if (!(await isDirectory(join(bagDir, 'data')))) {
    throw new TrustlabError('TL_RUN_DIR', `${bagDir}: has no data/ directory to bag`);
  }
  const tree = await walkTree(bagDir);
  const payload: Record<string, FileDigest> = {};
  let octets = 0;
  for (const entry of tree.filter((e) => e.path.startsWith('data/'))) {
    if (!entry.regular) throw new TrustlabError('TL_RUN_DIR', `${entry.path}: ${NOT_REGULAR}`);
    payload[entry.path] = await sha256File(join(bagDir, entry.path));
    octets += payload[entry.path]!.size;
  }
  const payloadOxum = `${octets}.${Object.keys(payload).length}`;
  await writeFile(join(bagDir, 'bagit.txt'), BAGIT_TXT);
  await writeFile(join(bagDir, 'bag-info.txt'), bagInfoText(bagInfo, payloadOxum));
  await writeFile(join(bagDir, MANIFEST), manifestText(Object.entries(payload).map(([p, d]) => [p, d.sha256])));

  const tags: Record<string, string> = {};
  for (const entry of await walkTree(bagDir)) {
    if (entry.path.startsWith('data/') || isUncoveredTagFile(entry.path)) continue;
    if (!entry.regular) throw new TrustlabError('TL_RUN_DIR', `${entry.path}: ${NOT_REGULAR}`);
    tags[entry.path] = (await sha256File(join(bagDir, entry.path))).sha256;
  }
  await writeFile(join(bagDir, TAG_MANIFEST), manifestText(Object.entries(tags)));
  return { payload, tags, payloadOxum };
}

/** Problems with a bag (empty when valid): payload and tag manifests, bagit.txt and Payload-Oxum. */
export async function verifyBag(bagDir: string): Promise<string[]> {
  return (await auditBag(bagDir)).problems;
}

/** `verifyBag` plus the parsed manifests, so a caller can tell which files they cover. */
export async function auditBag(bagDir: string): Promise<BagAudit> {
  const problems: string[] = [];
  if (!(await isDirectory(bagDir))) throw new TrustlabError('TL_RUN_DIR', `${bagDir}: is not a directory`);
  const tree = await walkTree(bagDir);
  if (!(await isDirectory(join(bagDir, 'data')))) problems.push('data/: missing payload directory');
  const byPath = new Map(tree.map((e) => [e.path, e]));

  const manifest = await readManifest(bagDir, MANIFEST, byPath.has(MANIFEST), problems);
  for (const name of manifest.keys()) {
    if (!name.startsWith('data/')) problems.push(`${MANIFEST}: lists ${name}, which is outside data/`);
  }
  await checkListed(bagDir, MANIFEST, manifest, byPath, problems);
  let octets = 0;
  let count = 0;
  for (const e of tree.filter((t) => t.path.startsWith('data/'))) {
    if (!manifest.has(e.path)) problems.push(`${e.path}: payload file not listed in ${MANIFEST}`);
    if (e.regular) {
      octets += (await lstat(join(bagDir, e.path))).size;
      count++;
    }
  }
  await checkTagTexts(bagDir, byPath, `${octets}.${count}`, problems);

  const tagManifest = await readManifest(bagDir, TAG_MANIFEST, byPath.has(TAG_MANIFEST), problems);
  for (const name of tagManifest.keys()) {
    if (name.startsWith('data/')) problems.push(`${TAG_MANIFEST}: lists payload file ${name}; tag manifests cover tag files only`);
  }
  await checkListed(bagDir, TAG_MANIFEST, tagManifest, byPath, problems);
  return { problems, manifest, tagManifest };
}

// Tag manifests never list themselves; the envelope is signed, so it can come after them.
function isUncoveredTagFile(path: string): boolean {
  return /^tagmanifest-[a-z0-9]+\.txt$/.test(path) || path === ENVELOPE;
}

function bagInfoText(bagInfo: Record<string, string>, payloadOxum: string): string {
  const fields: [string, string][] = [];
  for (const [label, value] of Object.entries(bagInfo)) {
    if (!/^[^:\s](?:[^:\r\n]*[^:\s])?$/.test(label)) {
      throw new TrustlabError('TL_INTERNAL', `bag-info label ${JSON.stringify(label)} is not a valid BagIt label`);
    }
    if (/[\r\n]/.test(value)) throw new TrustlabError('TL_INTERNAL', `bag-info ${label}: value must be a single line`);
    // Payload-Oxum is computed here from the files themselves, never taken on trust.
    if (label.toLowerCase() !== 'payload-oxum') fields.push([label, value]);
  }
  if (!fields.some(([l]) => l.toLowerCase() === 'bagging-date')) {
    fields.push(['Bagging-Date', new Date().toISOString().slice(0, 10)]);
  }
  fields.push(['Payload-Oxum', payloadOxum]);
  return fields.map(([l, v]) => `${l}: ${v}\n`).join('');
}

function manifestText(entries: [string, string][]): string {
  return [...entries].sort(([a], [b]) => byCodeUnit(a, b)).map(([path, hex]) => `${hex}  ${encodePath(path)}\n`).join('');
}

// RFC 8493 §2.1.3: only CR, LF and % are percent-encoded in manifest paths.
function encodePath(path: string): string {
  return path.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

function decodePath(path: string): string {
  return path.replace(/%(0D|0A|25)/gi, (m) => String.fromCharCode(parseInt(m.slice(1), 16)));
}

async function readManifest(bagDir: string, name: string, present: boolean, problems: string[]): Promise<Map<string, string>> {
  const entries = new Map<string, string>();
  if (!present) {
    problems.push(`${name}: missing`);
    return entries;
  }
  // CR and LF inside paths are percent-encoded, so any line ending RFC 8493 allows can split lines.
  (await readFile(join(bagDir, name), 'utf8')).split(/\r\n|\r|\n/).forEach((line, i) => {
    if (line === '') return;
    const m = /^([0-9a-fA-F]{64})[ \t]+(.+)$/.exec(line);
    if (!m) {
      problems.push(`${name} line ${i + 1}: not "<sha256>  <path>"`);
      return;
    }
    const path = decodePath(m[2]!);
    if (path.startsWith('/') || path.split('/').some((seg) => seg === '' || seg === '.' || seg === '..')) {
      problems.push(`${name} line ${i + 1}: unsafe path ${JSON.stringify(path)}`);
    } else if (entries.has(path)) {
      problems.push(`${name} line ${i + 1}: ${path} is listed twice`);
    } else {
      entries.set(path, m[1]!.toLowerCase());
    }
  });
  return entries;
}

type Tree = Map<string, TreeEntry>;

async function checkListed(bagDir: string, list: string, entries: Map<string, string>, tree: Tree, problems: string[]): Promise<void> {
  for (const [path, expected] of entries) {
    const entry = tree.get(path);
    if (!entry) {
      problems.push(`${path}: listed in ${list} but missing`);
    } else if (!entry.regular) {
      problems.push(`${path}: ${NOT_REGULAR}`);
    } else {
      const actual = (await sha256File(join(bagDir, path))).sha256;
      if (actual !== expected) problems.push(`${path}: sha256 mismatch (${list} says ${short(expected)}, file is ${short(actual)})`);
    }
  }
}

/** Abbreviated digest for messages. */
export function short(hex: string): string {
  return `${hex.slice(0, 12)}...`;
}

async function checkTagTexts(bagDir: string, tree: Tree, oxum: string, problems: string[]): Promise<void> {
  if (!tree.has('bagit.txt')) {
    problems.push('bagit.txt: missing');
  } else {
    const fields = parseTagFields(await readFile(join(bagDir, 'bagit.txt'), 'utf8'));
    const version = fields.get('BagIt-Version');
    const encoding = fields.get('Tag-File-Character-Encoding');
    if (version !== '1.0') problems.push(`bagit.txt: BagIt-Version is ${JSON.stringify(version ?? null)}, expected "1.0"`);
    if (encoding?.toUpperCase() !== 'UTF-8') {
      problems.push(`bagit.txt: Tag-File-Character-Encoding is ${JSON.stringify(encoding ?? null)}, expected "UTF-8"`);
    }
  }
  // bag-info.txt and its Payload-Oxum are optional in RFC 8493; a missing one is the tag manifest's business.
  if (!tree.has('bag-info.txt')) return;
  const stated = parseTagFields(await readFile(join(bagDir, 'bag-info.txt'), 'utf8')).get('Payload-Oxum');
  if (stated !== undefined && stated !== oxum) {
    problems.push(`bag-info.txt: Payload-Oxum says ${stated}, payload is ${oxum} (octets.files)`);
  }
}

function byCodeUnit(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

async function isDirectory(path: string): Promise<boolean> {
  return (await lstat(path).catch(() => undefined))?.isDirectory() === true;
}

// `Label: value` lines; a line starting with whitespace continues the previous value (RFC 8493 §2.2.2).
function parseTagFields(text: string): Map<string, string> {
  const fields = new Map<string, string>();
  let last: string | undefined;
  for (const line of text.split(/\r\n|\r|\n/)) {
    if (/^[ \t]/.test(line) && last !== undefined) {
      fields.set(last, `${fields.get(last)} ${line.trim()}`);
      continue;
    }
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    last = line.slice(0, colon).trim();
    fields.set(last, line.slice(colon + 1).trim());
  }
  return fields;
}
