/**
 * RFC 8785 JSON Canonicalization Scheme (JCS). Signed statements are serialised through here
 * so that the same value always yields the same bytes, whoever re-serialises it.
 */

import { TrustlabError } from '../harness/errors.ts';

/** Serialise a JSON-compatible value to its RFC 8785 canonical form. */
export function canonicalize(value: unknown): string {
  const out = serialize(value, new Set<object>(), '$');
  if (out === undefined) {
    throw new TrustlabError('TL_INTERNAL', 'canonical JSON: the top-level value is not representable in JSON');
  }
  return out;
}

/** The UTF-8 bytes of `canonicalize(value)`: what gets hashed and signed. */
export function canonicalBytes(value: unknown): Buffer {
  return Buffer.from(canonicalize(value), 'utf8');
}

// `undefined` is returned for values JSON.stringify would drop (undefined), so objects can skip them.
function serialize(value: unknown, stack: Set<object>, path: string): string | undefined {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'undefined':
      return undefined;
    case 'boolean':
      return value ? 'true' : 'false';
    case 'number':
      return serializeNumber(value, path);
    case 'string':
      return serializeString(value, path);
    case 'bigint':
      throw new TrustlabError('TL_INTERNAL', `canonical JSON: bigint at ${path} has no JSON form; convert it to a number or string`);
    case 'function':
    case 'symbol':
      throw new TrustlabError('TL_INTERNAL', `canonical JSON: ${typeof value} at ${path} has no JSON form`);
    default:
      return serializeObject(value as object, stack, path);
  }
}

function serializeNumber(n: number, path: string): string {
  if (!Number.isFinite(n)) {
    throw new TrustlabError('TL_INTERNAL', `canonical JSON: non-finite number ${n} at ${path} is not allowed by RFC 8785`);
  }
  // RFC 8785 §3.2.2.3 adopts ECMAScript Number.prototype.toString, which String() is; it also maps -0 to "0".
  return String(n);
}

function serializeString(s: string, path: string): string {
  // I-JSON (RFC 7493), which JCS requires, forbids lone surrogates; JSON.stringify would escape them instead.
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff) {
      const next = s.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        i++;
        continue;
      }
      throw new TrustlabError('TL_INTERNAL', `canonical JSON: lone surrogate in string at ${path}`);
    }
    if (c >= 0xdc00 && c <= 0xdfff) {
      throw new TrustlabError('TL_INTERNAL', `canonical JSON: lone surrogate in string at ${path}`);
    }
  }
  // For well-formed strings JSON.stringify escapes exactly as RFC 8785 §3.2.2.2 asks (short escapes, lowercase \u00xx).
  return JSON.stringify(s);
}

function serializeObject(obj: object, stack: Set<object>, path: string): string | undefined {
  if (stack.has(obj)) {
    throw new TrustlabError('TL_INTERNAL', `canonical JSON: cycle at ${path}`);
  }
  const toJSON = (obj as { toJSON?: unknown }).toJSON;
  if (typeof toJSON === 'function') {
    // Dates and Buffers define toJSON; honour it as JSON.stringify does.
    stack.add(obj);
    try {
      return serialize(toJSON.call(obj, ''), stack, path);
    } finally {
      stack.delete(obj);
    }
  }
  stack.add(obj);
  try {
    if (Array.isArray(obj)) {
      const items = obj.map((item, i) => serialize(item, stack, `${path}[${i}]`) ?? 'null');
      return `[${items.join(',')}]`;
    }
    // Default sort compares UTF-16 code units, which is the order RFC 8785 §3.2.3 prescribes.
    const keys = Object.keys(obj).sort();
    const members: string[] = [];
    for (const key of keys) {
      const member = serialize((obj as Record<string, unknown>)[key], stack, `${path}.${key}`);
      if (member === undefined) continue;
      members.push(`${serializeString(key, `${path}.${key}`)}:${member}`);
    }
    return `{${members.join(',')}}`;
  } finally {
    stack.delete(obj);
  }
}
