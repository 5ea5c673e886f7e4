/**
 * in-toto Statement v1: the signed document binding a run's report, manifests and exports
 * (by sha256) to the trustlab test-run predicate.
 */

import { TrustlabError } from '../harness/errors.ts';
import { canonicalBytes } from './canonical-json.ts';

/** The in-toto Statement v1 type URI. */
export const STATEMENT_TYPE = 'https://in-toto.io/Statement/v1';

/** Our predicate type; bump the version segment on any incompatible predicate change. */
export const PREDICATE_TYPE = 'https://trustlab.dev/ctm-test-run/v1';

/** One subject as `buildStatement` takes it: a bag-relative name and its sha256. */
export interface SubjectInput {
  name: string;
  sha256: string;
}

/** A subject as it appears in the statement. */
export interface StatementSubject {
  name: string;
  digest: { sha256: string } & Record<string, string>;
}

/** An in-toto Statement v1 with our predicate type. */
export interface Statement {
  _type: typeof STATEMENT_TYPE;
  subject: StatementSubject[];
  predicateType: typeof PREDICATE_TYPE;
  predicate: Record<string, unknown>;
}

const SHA256_HEX = /^[0-9a-f]{64}$/;

/** Build a statement; throws TL_INTERNAL on an empty, duplicate or badly hashed subject (a harness bug). */
export function buildStatement(subjects: readonly SubjectInput[], predicate: Record<string, unknown>): Statement {
  if (subjects.length === 0) {
    throw new TrustlabError('TL_INTERNAL', 'in-toto statement needs at least one subject');
  }
  const seen = new Set<string>();
  for (const s of subjects) {
    if (s.name === '') throw new TrustlabError('TL_INTERNAL', 'in-toto subject with an empty name');
    if (seen.has(s.name)) throw new TrustlabError('TL_INTERNAL', `in-toto subject ${s.name} listed twice`);
    seen.add(s.name);
    if (!SHA256_HEX.test(s.sha256)) {
      throw new TrustlabError('TL_INTERNAL', `in-toto subject ${s.name}: sha256 must be 64 lowercase hex digits, got "${s.sha256}"`);
    }
  }
  return {
    _type: STATEMENT_TYPE,
    subject: subjects.map((s) => ({ name: s.name, digest: { sha256: s.sha256 } })),
    predicateType: PREDICATE_TYPE,
    predicate,
  };
}

/** The bytes to sign for a statement: its RFC 8785 canonical JSON. */
export function statementBytes(statement: Statement): Buffer {
  return canonicalBytes(statement);
}

/** Parse verified payload bytes into a Statement, checking type, subjects and predicate type (TL_VERIFY). */
export function parseStatement(bytes: Uint8Array): Statement {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(bytes);
  } catch (err) {
    throw new TrustlabError('TL_VERIFY', 'statement: payload is not valid UTF-8', { cause: err });
  }
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    throw new TrustlabError('TL_VERIFY', `statement: payload is not JSON (${err instanceof Error ? err.message : String(err)})`, { cause: err });
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) {
    throw new TrustlabError('TL_VERIFY', 'statement: payload is not a JSON object');
  }
  const st = doc as Record<string, unknown>;
  if (st._type !== STATEMENT_TYPE) {
    throw new TrustlabError('TL_VERIFY', `statement: _type is ${JSON.stringify(st._type)}, expected "${STATEMENT_TYPE}"`);
  }
  if (st.predicateType !== PREDICATE_TYPE) {
    throw new TrustlabError('TL_VERIFY', `statement: predicateType is ${JSON.stringify(st.predicateType)}, expected "${PREDICATE_TYPE}"`);
  }
  if (typeof st.predicate !== 'object' || st.predicate === null || Array.isArray(st.predicate)) {
    throw new TrustlabError('TL_VERIFY', 'statement: "predicate" must be a JSON object');
  }
  if (!Array.isArray(st.subject) || st.subject.length === 0) {
    throw new TrustlabError('TL_VERIFY', 'statement: "subject" must be a non-empty array');
  }
  const names = new Set<string>();
  const subject = st.subject.map((s, i) => {
    const parsed = parseSubject(s, i);
    if (names.has(parsed.name)) {
      throw new TrustlabError('TL_VERIFY', `statement: subject ${parsed.name} is listed twice`);
    }
    names.add(parsed.name);
    return parsed;
  });
  return { _type: STATEMENT_TYPE, subject, predicateType: PREDICATE_TYPE, predicate: st.predicate as Record<string, unknown> };
}

function parseSubject(value: unknown, index: number): StatementSubject {
  const where = `statement: subject[${index}]`;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new TrustlabError('TL_VERIFY', `${where} must be an object`);
  }
  const s = value as Record<string, unknown>;
  if (typeof s.name !== 'string' || s.name === '') {
    throw new TrustlabError('TL_VERIFY', `${where}: "name" must be a non-empty string`);
  }
  const digest = s.digest;
  if (typeof digest !== 'object' || digest === null || Array.isArray(digest)) {
    throw new TrustlabError('TL_VERIFY', `${where} (${s.name}): "digest" must be an object`);
  }
  const d = digest as Record<string, unknown>;
  if (typeof d.sha256 !== 'string' || !SHA256_HEX.test(d.sha256)) {
    throw new TrustlabError('TL_VERIFY', `${where} (${s.name}): digest.sha256 must be 64 lowercase hex digits`);
  }
  for (const [alg, v] of Object.entries(d)) {
    if (typeof v !== 'string') {
      throw new TrustlabError('TL_VERIFY', `${where} (${s.name}): digest.${alg} must be a string`);
    }
  }
  return { name: s.name, digest: d as StatementSubject['digest'] };
}
