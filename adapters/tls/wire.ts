/**
 * Byte-level building blocks shared by the TLS and DTLS probes: big-endian integers,
 * length-prefixed vectors (RFC 8446 §3.4 presentation language) and a bounds-checked reader.
 * A reader that runs past its buffer throws WireError, which a parser turns into "malformed".
 */

/** Thrown when a message is shorter than its own length fields say. */
export class WireError extends Error {
  override name = 'WireError';
}

/** One unsigned big-endian integer of 1, 2 or 3 bytes. */
export function uint(value: number, bytes: 1 | 2 | 3): Buffer {
  const b = Buffer.alloc(bytes);
  b.writeUIntBE(value, 0, bytes);
  return b;
}

/** A vector with a 1-, 2- or 3-byte length prefix. */
export function vector(body: Buffer, lengthBytes: 1 | 2 | 3): Buffer {
  return Buffer.concat([uint(body.length, lengthBytes), body]);
}

/** A list of 16-bit code points as one buffer (no length prefix). */
export function u16List(values: readonly number[]): Buffer {
  return Buffer.concat(values.map((v) => uint(v, 2)));
}

/** Reads a buffer front to back; every read checks the bounds. */
export class Reader {
  private offset = 0;

  constructor(private readonly buf: Buffer) {}

  /** Bytes not read yet. */
  get remaining(): number {
    return this.buf.length - this.offset;
  }

  /** The next n bytes. */
  bytes(n: number): Buffer {
    if (n < 0 || this.offset + n > this.buf.length) {
      throw new WireError(`needs ${n} byte(s) at offset ${this.offset}, has ${this.remaining}`);
    }
    const out = this.buf.subarray(this.offset, this.offset + n);
    this.offset += n;
    return out;
  }

  /** An unsigned big-endian integer of 1, 2, 3 or 6 bytes. */
  uint(n: 1 | 2 | 3 | 6): number {
    return this.bytes(n).readUIntBE(0, n);
  }

  /** A vector whose length prefix has n bytes. */
  vector(n: 1 | 2 | 3): Buffer {
    return this.bytes(this.uint(n));
  }
}

/** Parse a TLS extensions block (type u16, data vector16) into type -> data. */
export function parseExtensions(block: Buffer): Map<number, Buffer> {
  const out = new Map<number, Buffer>();
  const r = new Reader(block);
  while (r.remaining > 0) {
    const type = r.uint(2);
    out.set(type, r.vector(2));
  }
  return out;
}

/** Lower-case hex of a 16-bit code point, e.g. 0xc02f. */
export function hex16(value: number): string {
  return `0x${value.toString(16).padStart(4, '0')}`;
}
