/**
 * Sealing and verifying a run directory: a BagIt bag whose report, manifests and exports are
 * the subjects of an in-toto Statement, signed in a DSSE envelope (report.intoto.json).
 * Chain of trust: signature -> statement digests -> manifests -> every file.
 */

import { randomBytes, type KeyObject } from 'node:crypto';
import { lstat, readFile, rename, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { TrustlabError } from '../harness/errors.ts';
import { auditBag, ENVELOPE, MANIFEST, sha256File, short, TAG_MANIFEST, walkTree, writeBagTags, type BagDigests } from './bagit.ts';
import { PAYLOAD_TYPE_INTOTO, serializeEnvelope, signEnvelope, verifyEnvelope, type DsseEnvelope } from './dsse.ts';
import { buildStatement, parseStatement, statementBytes, type Statement } from './intoto.ts';
import { keyIdFor, loadPublicKey, publicKeyPem } from './keys.ts';
import { checkExports } from './writers/check-exports.ts';

/** The lab's public key, bundled as a tag file so a run can be checked for consistency alone. */
export const PUBLIC_KEY_FILE = 'lab-key.pub.pem';

/** Subjects every sealed run's statement must carry. */
export const REQUIRED_SUBJECTS: readonly string[] = ['data/report.json', MANIFEST, TAG_MANIFEST];

/** Inputs of `sealRun`. */
export interface SealOptions {
  privateKey: KeyObject;
  /** bag-info.txt labels (lab, device, run id...); Payload-Oxum is computed. */
  bagInfo: Record<string, string>;
  predicate: Record<string, unknown>;
  /** More bag-relative files to name as subjects (hashed from disk). */
  extraSubjects?: readonly string[];
}

/** What `sealRun` wrote. */
export interface SealResult {
  envelopePath: string;
  statement: Statement;
  keyId: string;
  digests: BagDigests;
}

/** Outcome of `verifyRun`; `keySource: 'bundled'` means only self-consistency was shown, not who signed. */
export interface VerifyRunResult {
  ok: boolean;
  problems: string[];
  /** Findings that do not fail verification (e.g. an export rendered by another writer version). */
  notes: string[];
  /** Exports rendered again from data/report.json and found identical. */
  exportsMatched: string[];
  statement?: Statement;
  keySource: 'given' | 'bundled';
  keyId?: string;
}

/** Write bag tags, the bundled public key and the signed statement envelope for `runDir`. */
export async function sealRun(runDir: string, opts: SealOptions): Promise<SealResult> {
  const { privateKey } = opts;
  if (privateKey.type !== 'private' || privateKey.asymmetricKeyType !== 'ed25519') {
    throw new TrustlabError('TL_SIGN', 'sealing a run needs an Ed25519 private key');
  }
  const report = await lstat(join(runDir, 'data/report.json')).catch(() => undefined);
  if (!report?.isFile()) {
    throw new TrustlabError('TL_RUN_DIR', `${runDir}: has no data/report.json to seal`);
  }
  for (const extra of opts.extraSubjects ?? []) {
    if (!isSafeRelative(extra) || extra === ENVELOPE) {
      throw new TrustlabError('TL_INTERNAL', `extra subject ${JSON.stringify(extra)} must be a file inside the run other than ${ENVELOPE}`);
    }
  }
  // Written before the tag manifest so that it is covered by it.
  await writeFile(join(runDir, PUBLIC_KEY_FILE), publicKeyPem(privateKey));
  const digests = await writeBagTags(runDir, opts.bagInfo);

  const names = new Set([...REQUIRED_SUBJECTS, ...Object.keys(digests.payload).filter((p) => p.startsWith('data/exports/'))]);
  for (const extra of opts.extraSubjects ?? []) names.add(extra);
  const subjects = [];
  for (const name of [...names].sort()) {
    const known = digests.payload[name]?.sha256 ?? digests.tags[name];
    subjects.push({ name, sha256: known ?? (await hashSubject(runDir, name)) });
  }
  const statement = buildStatement(subjects, opts.predicate);
  const envelope = signEnvelope(PAYLOAD_TYPE_INTOTO, statementBytes(statement), privateKey);
  const envelopePath = join(runDir, ENVELOPE);
  await writeAtomically(envelopePath, serializeEnvelope(envelope));
  return { envelopePath, statement, keyId: keyIdFor(privateKey), digests };
}

/** Verify signature, statement subjects, tag manifest, payload manifest, coverage of every file, and that each export matches the report. */
export async function verifyRun(runDir: string, opts: { publicKey?: KeyObject } = {}): Promise<VerifyRunResult> {
  if (!(await lstat(runDir).catch(() => undefined))?.isDirectory()) {
    throw new TrustlabError('TL_RUN_DIR', `${runDir}: is not a directory`);
  }
  const problems: string[] = [];
  const keySource = opts.publicKey ? 'given' : 'bundled';
  let key = opts.publicKey;
  if (!key) {
    try {
      key = await loadPublicKey(join(runDir, PUBLIC_KEY_FILE));
    } catch (err) {
      problems.push(`${PUBLIC_KEY_FILE}: bundled public key unusable (${messageOf(err)}); pass the lab's public key`);
    }
  }
  const keyId = key ? keyIdFor(key) : undefined;
  const statement = key ? await verifiedStatement(runDir, key, problems) : undefined;

  const tree = await walkTree(runDir);
  const byPath = new Map(tree.map((e) => [e.path, e]));
  for (const subject of statement?.subject ?? []) {
    const name = subject.name;
    const entry = byPath.get(name);
    if (!isSafeRelative(name)) problems.push(`${ENVELOPE}: subject ${JSON.stringify(name)} is not a path inside the run`);
    else if (!entry) problems.push(`${name}: subject of the signed statement but missing`);
    else if (!entry.regular) problems.push(`${name}: is a symlink or special file`);
    else {
      const actual = (await sha256File(join(runDir, name))).sha256;
      if (actual !== subject.digest.sha256) {
        problems.push(`${name}: sha256 mismatch (signed statement says ${short(subject.digest.sha256)}, file is ${short(actual)})`);
      }
    }
  }
  if (statement) {
    const named = new Set(statement.subject.map((s) => s.name));
    for (const required of REQUIRED_SUBJECTS) {
      if (!named.has(required)) problems.push(`${ENVELOPE}: signed statement does not cover ${required}`);
    }
  }

  const audit = await auditBag(runDir);
  problems.push(...audit.problems);
  // Payload files outside the manifest are already reported by auditBag; the rest must be covered here.
  const covered = new Set<string>([ENVELOPE, TAG_MANIFEST, ...audit.manifest.keys(), ...audit.tagManifest.keys()]);
  for (const s of statement?.subject ?? []) covered.add(s.name);
  for (const entry of tree) {
    if (entry.path === ENVELOPE && !entry.regular) problems.push(`${ENVELOPE}: is a symlink or special file`);
    if (entry.path.startsWith('data/') || covered.has(entry.path)) continue;
    problems.push(`${entry.path}: not covered by the signature or any manifest`);
  }
  // Every export is a pure render of the report: render it again and compare the bytes.
  const exportsCheck = await checkExports(runDir);
  problems.push(...exportsCheck.problems);
  const result: VerifyRunResult = { ok: problems.length === 0, problems, notes: exportsCheck.notes, exportsMatched: exportsCheck.matched, keySource };
  if (statement) result.statement = statement;
  if (keyId) result.keyId = keyId;
  return result;
}

// Returns the statement parsed from the verified bytes only, or records why there is none.
async function verifiedStatement(runDir: string, key: KeyObject, problems: string[]): Promise<Statement | undefined> {
  let raw: Buffer;
  try {
    raw = await readFile(join(runDir, ENVELOPE));
  } catch {
    problems.push(`${ENVELOPE}: missing or unreadable; the run is not signed`);
    return undefined;
  }
  try {
    const envelope: unknown = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(raw));
    const verified = verifyEnvelope(envelope, key);
    if (verified.payloadType !== PAYLOAD_TYPE_INTOTO) {
      problems.push(`${ENVELOPE}: payloadType is ${JSON.stringify(verified.payloadType)}, expected "${PAYLOAD_TYPE_INTOTO}"`);
      return undefined;
    }
    // keyid is only a hint to find the key, but it sits unsigned in our file: a changed one must not pass.
    if (verified.keyid !== '' && verified.keyid !== keyIdFor(key)) {
      problems.push(`${ENVELOPE}: the verified signature's keyid ${short(verified.keyid)} is not the key's id ${short(keyIdFor(key))}`);
    }
    // No digest covers the envelope's own bytes; holding it to the one layout we write makes
    // re-indenting, re-escaping or reordering it a detectable change too.
    if (!raw.equals(Buffer.from(serializeEnvelope(envelope as DsseEnvelope)))) {
      problems.push(`${ENVELOPE}: bytes differ from the layout trustlab writes (whitespace, escapes or field order changed)`);
    }
    return parseStatement(verified.body);
  } catch (err) {
    problems.push(`${ENVELOPE}: ${messageOf(err)}`);
    return undefined;
  }
}

async function hashSubject(runDir: string, name: string): Promise<string> {
  const st = await lstat(join(runDir, name)).catch(() => undefined);
  if (!st?.isFile()) {
    throw new TrustlabError('TL_RUN_DIR', `${name}: subject to seal is missing or not a regular file`);
  }
  return (await sha256File(join(runDir, name))).sha256;
}

async function writeAtomically(path: string, text: string): Promise<void> {
  // rename(2) within one directory is atomic: a reader sees the old envelope or the new one, never half.
  const tmp = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    await writeFile(tmp, text);
    await rename(tmp, path);
  } catch (err) {
    await unlink(tmp).catch(() => undefined);
    throw new TrustlabError('TL_SIGN', `cannot write ${path}: ${messageOf(err)}`, { cause: err });
  }
}

function isSafeRelative(path: string): boolean {
  return path !== '' && !path.startsWith('/') && !path.split('/').some((seg) => seg === '' || seg === '.' || seg === '..');
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
