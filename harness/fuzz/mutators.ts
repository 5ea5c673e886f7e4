/**
 * Protocol-independent mutations over the block model. Field level: lie in a length field,
 * set flags and type bits, replace a string with a long, empty or hostile one, change an
 * option number, truncate, repeat. Byte level: flip bits, overwrite with boundary values,
 * insert or delete bytes inside one segment. Each mutation names itself for the case record.
 */
import type { Rng } from './rng.ts';
import { encodeVarint, serialise, type Message, type Segment } from './segments.ts';

function coveredLength(message: Message, names: readonly string[]): number {
  return serialise({ label: message.label, segments: message.segments.filter((s) => names.includes(s.name)) }).length;
}

/** Strings that break C parsers: format directives, traversal, NUL, overlong UTF-8, CR/LF. */
const HOSTILE = ['%n%n%n%n%s%s%s%s', '../../../../etc/passwd', 'a\u0000b', '\u00c0\u00af', '\r\n\r\n', '${7*7}', '\u00ff\u00fe\u00fd', '/', '#', '+/+/#', '*'];
/** Lengths around powers of two and common fixed buffer sizes. */
const LONG = [17, 24, 33, 65, 128, 129, 256, 257, 512, 1025, 4097, 8193];
const BOUNDARY_BYTES = [0x00, 0x01, 0x7f, 0x80, 0xfe, 0xff];

/** How far a mutation may grow a message, so one case cannot exhaust the device's memory. */
export const MAX_MESSAGE_BYTES = 70_000;

const maxFor = (encoding: string): number => (encoding === 'u8' ? 0xff : encoding === 'u16' ? 0xffff : encoding === 'varint' ? 268_435_455 : 2 ** 31);

function lengthLie(rng: Rng, s: Extract<Segment, { kind: 'length' }>, actual: number): string {
  const choices = [0, 1, actual + 1, Math.max(0, actual - 1), actual * 2 + 7, maxFor(s.encoding), rng.int(maxFor(s.encoding) + 1)];
  const n = rng.pick(choices);
  if (s.encoding === 'varint' && rng.chance(0.25)) {
    // Non-minimal or overlong encodings: 0x80 0x00, or five continuation bytes.
    s.pinned = rng.chance(0.5) ? Buffer.from([0x80 | (actual & 0x7f), 0x00]) : Buffer.from([0xff, 0xff, 0xff, 0xff, 0x7f]);
    return `length ${s.name} non-minimal varint`;
  }
  if (s.encoding === 'decimal') {
    s.pinned = Buffer.from(rng.pick([String(n), '-1', '4294967296', '0x10', ' 5', '99999999999999999999']));
    return `length ${s.name} = ${s.pinned.toString()}`;
  }
  s.pinned = s.encoding === 'u8' ? Buffer.from([n & 0xff]) : s.encoding === 'u16' ? Buffer.from([(n >> 8) & 0xff, n & 0xff]) : encodeVarint(n);
  return `length ${s.name} = ${n} (actual ${actual})`;
}

function mutateBytesSegment(rng: Rng, s: Extract<Segment, { kind: 'bytes' }>): string {
  if (s.role === 'flags' || s.role === 'type') {
    const old = s.value[0] ?? 0;
    const how = rng.int(3);
    const v = how === 0 ? old ^ (1 << rng.int(8)) : how === 1 ? rng.int(256) : rng.pick(BOUNDARY_BYTES);
    s.value = Buffer.concat([Buffer.from([v]), s.value.subarray(1)]);
    return `${s.role} ${s.name} 0x${old.toString(16)} -> 0x${v.toString(16)}`;
  }
  if (s.role === 'string' || s.role === 'payload' || s.role === 'token') {
    const how = rng.int(4);
    if (how === 0) { s.value = Buffer.alloc(0); return `${s.role} ${s.name} emptied`; }
    if (how === 1) {
      const n = rng.pick(LONG);
      s.value = Buffer.alloc(n, s.value.length > 0 ? s.value.toString('latin1') : 'A', 'latin1');
      return `${s.role} ${s.name} long (${n} bytes)`;
    }
    if (how === 2) { s.value = Buffer.from(rng.pick(HOSTILE), 'latin1'); return `${s.role} ${s.name} hostile "${JSON.stringify(s.value.toString('latin1'))}"`; }
    const times = rng.pick([2, 8, 64, 512]);
    s.value = Buffer.concat(Array.from({ length: times }, () => s.value)).subarray(0, MAX_MESSAGE_BYTES);
    return `${s.role} ${s.name} repeated x${times}`;
  }
  // Numbers and literals: boundary values over the same width.
  const v = Buffer.alloc(Math.max(1, s.value.length), rng.pick(BOUNDARY_BYTES));
  s.value = v;
  return `${s.role} ${s.name} = 0x${v.toString('hex')}`;
}

function mutateOption(rng: Rng, message: Message, i: number): string {
  const s = message.segments[i] as Extract<Segment, { kind: 'coap-option' }>;
  const how = rng.int(4);
  if (how === 0) {
    const old = s.number;
    s.number = rng.pick([0, 1, 2, 13, 14, 15, 269, 270, 2048, 65000, 65535, rng.int(65536)]);
    // Keep options in number order (deltas are unsigned) unless the number went backwards, which then shows as a pinned header.
    return `option ${s.name} number ${old} -> ${s.number}`;
  }
  if (how === 1) {
    // A raw header with the reserved nibble 15, or an extension that overflows the option number.
    s.pinned = rng.pick([Buffer.from([0xf0]), Buffer.from([0x0f]), Buffer.from([0xe0, 0xff, 0xff]), Buffer.from([0xd0 | Math.min(s.value.length, 12), 0xff]), Buffer.from([0x0e, 0xff, 0xff])]);
    return `option ${s.name} header pinned 0x${s.pinned.toString('hex')}`;
  }
  if (how === 2) {
    const n = rng.pick(LONG);
    s.value = Buffer.alloc(n, 0x41);
    return `option ${s.name} value long (${n} bytes)`;
  }
  message.segments.splice(i, 0, { ...s, value: Buffer.from(s.value), name: `${s.name}'` });
  return `option ${s.name} repeated`;
}

/** Byte-level mutation inside one segment's bytes (lengths and option headers become pinned). */
function byteLevel(rng: Rng, message: Message): string {
  const i = rng.int(message.segments.length);
  const s = message.segments[i]!;
  const current = s.kind === 'bytes' ? s.value : s.kind === 'coap-option' ? s.value : (s.pinned ?? Buffer.alloc(0));
  const buf = Buffer.from(current);
  const how = rng.int(4);
  let note: string;
  if (buf.length === 0 || how === 0) {
    const at = rng.int(buf.length + 1);
    const ins = rng.chance(0.5) ? Buffer.from([rng.pick(BOUNDARY_BYTES)]) : rng.bytes(1 + rng.int(8));
    const out = Buffer.concat([buf.subarray(0, at), ins, buf.subarray(at)]);
    note = `insert ${ins.length} byte(s) into ${s.name}@${at}`;
    return assign(s, out, note);
  }
  const at = rng.int(buf.length);
  if (how === 1) { buf[at] = buf[at]! ^ (1 << rng.int(8)); note = `bit flip ${s.name}@${at}`; }
  else if (how === 2) { buf[at] = rng.pick(BOUNDARY_BYTES); note = `byte ${s.name}@${at} = 0x${buf[at]!.toString(16)}`; }
  else return assign(s, Buffer.concat([buf.subarray(0, at), buf.subarray(at + 1 + rng.int(4))]), `delete bytes of ${s.name}@${at}`);
  return assign(s, buf, note);
}

function assign(s: Segment, value: Buffer, note: string): string {
  if (s.kind === 'length') s.pinned = value;
  else s.value = value;
  return `byte-level: ${note}`;
}

/** One mutation of one message of the case, in place; returns what it did. */
export function mutateMessage(rng: Rng, message: Message, serialisedLength: number): string {
  const r = rng.int(100);
  if (r < 8) {
    message.truncateAt = rng.int(Math.max(1, serialisedLength));
    return `truncated to ${message.truncateAt} of ${serialisedLength} bytes`;
  }
  if (r < 14 && message.segments.length > 0) {
    const i = rng.int(message.segments.length);
    const s = message.segments[i]!;
    const times = rng.pick([2, 3, 16, 128]);
    const names: string[] = [];
    for (let k = 1; k < times; k++) {
      names.push(`${s.name}#${k}`);
      message.segments.splice(i + k, 0, { ...s, name: `${s.name}#${k}` } as Segment);
    }
    // The copies count towards every length that covers the original, so only the repetition is odd.
    for (const seg of message.segments) if (seg.kind === 'length' && seg.of.includes(s.name)) seg.of = [...seg.of, ...names];
    return `segment ${s.name} repeated x${times}`;
  }
  if (r < 40) return byteLevel(rng, message);
  const fields = message.segments.map((_, i) => i);
  const i = rng.pick(fields);
  const s = message.segments[i]!;
  if (s.kind === 'length') return lengthLie(rng, s, coveredLength(message, s.of));
  if (s.kind === 'coap-option') return mutateOption(rng, message, i);
  return mutateBytesSegment(rng, s);
}
