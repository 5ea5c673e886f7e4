/**
 * The block model of a fuzz case (as in Peach or boofuzz): a message is a list of named
 * segments, and length fields are computed from the segments they cover unless a mutation
 * pinned them to a lie. Field-level mutations work on segments; byte-level ones stay inside a
 * segment, so a mutated child keeps its parent's structure for further field mutations.
 */

/** What a byte segment holds, so mutators pick fitting values. */
export type SegmentRole = 'type' | 'flags' | 'string' | 'number' | 'token' | 'payload' | 'literal';

/** How a length field is written. */
export type LengthEncoding = 'u8' | 'u16' | 'varint' | 'decimal';

/** One field of a message. */
export type Segment =
  | { kind: 'bytes'; name: string; role: SegmentRole; value: Buffer }
  | { kind: 'length'; name: string; of: string[]; encoding: LengthEncoding; pinned?: Buffer }
  // CoAP options: the header (delta and length nibbles plus extensions) is computed from the
  // running option number unless pinned; `number` is the option number, not the delta.
  | { kind: 'coap-option'; name: string; number: number; value: Buffer; pinned?: Buffer };

/** One message (one TCP write, one datagram). */
export interface Message {
  segments: Segment[];
  /** Cut the serialised message to this many bytes (truncation). */
  truncateAt?: number;
  /** Short name of the message, e.g. "CONNECT" or "GET /". */
  label: string;
}

/** MQTT's variable-length integer (7 bits a byte, high bit = more). */
export function encodeVarint(n: number): Buffer {
  const out: number[] = [];
  do {
    let b = n % 128;
    n = Math.floor(n / 128);
    if (n > 0) b |= 0x80;
    out.push(b);
  } while (n > 0 && out.length < 5);
  return Buffer.from(out);
}

function encodeLength(n: number, encoding: LengthEncoding): Buffer {
  switch (encoding) {
    case 'u8':
      return Buffer.from([n & 0xff]);
    case 'u16':
      return Buffer.from([(n >> 8) & 0xff, n & 0xff]);
    case 'varint':
      return encodeVarint(n);
    case 'decimal':
      return Buffer.from(String(n));
  }
}

/** CoAP option header for a delta and a value length (RFC 7252 §3.1). */
export function coapOptionHeader(delta: number, length: number): Buffer {
  const nib = (v: number): [number, Buffer] =>
    v < 13 ? [v, Buffer.alloc(0)] : v < 269 ? [13, Buffer.from([v - 13])] : [14, Buffer.from([((v - 269) >> 8) & 0xff, (v - 269) & 0xff])];
  const [d, dx] = nib(Math.max(0, Math.min(delta, 65804)));
  const [l, lx] = nib(Math.min(length, 65804));
  return Buffer.concat([Buffer.from([(d << 4) | l]), dx, lx]);
}

/** The bytes of a message: lengths computed bottom-up, options delta-encoded, then truncated. */
export function serialise(message: Message): Buffer {
  const parts: Buffer[] = message.segments.map(() => Buffer.alloc(0));
  const byName = new Map<string, number>();
  message.segments.forEach((s, i) => byName.set(s.name, i));
  // Length fields may cover other length fields (MQTT's remaining length covers string lengths),
  // so resolve covered lengths first: a length field is computed after everything it covers.
  const resolved = new Set<number>();
  const resolve = (i: number, guard: number): Buffer => {
    if (resolved.has(i)) return parts[i]!;
    const s = message.segments[i]!;
    let out: Buffer;
    if (s.kind === 'bytes') out = s.value;
    else if (s.kind === 'coap-option') out = Buffer.alloc(0); // filled in the option pass below
    else if (s.pinned) out = s.pinned;
    else {
      let total = 0;
      for (const name of s.of) {
        const j = byName.get(name);
        if (j === undefined || j === i || guard > 8) continue;
        total += resolve(j, guard + 1).length;
      }
      out = encodeLength(total, s.encoding);
    }
    parts[i] = out;
    resolved.add(i);
    return out;
  };
  // Options first: their size feeds the lengths that cover them.
  let optionNumber = 0;
  message.segments.forEach((s, i) => {
    if (s.kind !== 'coap-option') return;
    const header = s.pinned ?? coapOptionHeader(s.number - optionNumber, s.value.length);
    optionNumber = s.number;
    parts[i] = Buffer.concat([header, s.value]);
    resolved.add(i);
  });
  message.segments.forEach((_, i) => resolve(i, 0));
  const bytes = Buffer.concat(parts);
  return message.truncateAt === undefined ? bytes : bytes.subarray(0, message.truncateAt);
}

/** A deep copy, so a child's mutation never changes its parent. */
export function cloneMessage(m: Message): Message {
  return {
    label: m.label,
    ...(m.truncateAt === undefined ? {} : { truncateAt: m.truncateAt }),
    segments: m.segments.map((s) => {
      if (s.kind === 'bytes') return { ...s, value: Buffer.from(s.value) };
      if (s.kind === 'coap-option') return { ...s, value: Buffer.from(s.value), ...(s.pinned ? { pinned: Buffer.from(s.pinned) } : {}) };
      return { ...s, of: [...s.of], ...(s.pinned ? { pinned: Buffer.from(s.pinned) } : {}) };
    }),
  };
}

/** A bytes segment. */
export const bytes = (name: string, role: SegmentRole, value: Buffer | string | number[]): Segment =>
  ({ kind: 'bytes', name, role, value: Buffer.isBuffer(value) ? value : typeof value === 'string' ? Buffer.from(value, 'latin1') : Buffer.from(value) });

/** A length segment covering the named segments. */
export const length = (name: string, encoding: LengthEncoding, of: readonly string[]): Segment => ({ kind: 'length', name, encoding, of: [...of] });
