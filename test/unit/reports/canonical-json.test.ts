import { describe, expect, it } from 'vitest';
import { TrustlabError } from '../../../harness/errors.ts';
import { canonicalBytes, canonicalize } from '../../../reports/canonical-json.ts';

// IEEE 754 bit patterns from RFC 8785 Appendix B, so the inputs are exact doubles.
function fromBits(hex: string): number {
  const buf = Buffer.alloc(8);
  buf.writeBigUInt64BE(BigInt(`0x${hex}`));
  return buf.readDoubleBE(0);
}

function expectCode(fn: () => unknown, code: string, text: RegExp): void {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(TrustlabError);
    expect((err as TrustlabError).code).toBe(code);
    expect((err as TrustlabError).message).toMatch(text);
    return;
  }
  throw new Error('expected a TrustlabError');
}

describe('canonicalize (RFC 8785)', () => {
  it('sorts keys by UTF-16 code units (RFC 8785 §3.2.3 example)', () => {
    const input = JSON.parse(
      '{"\\u20ac":"Euro Sign","\\r":"Carriage Return","\\ufb33":"Hebrew Letter Dalet With Dagesh","1":"One",' +
        '"\\ud83d\\ude00":"Emoji: Grinning Face","\\u0080":"Control","\\u00f6":"Latin Small Letter O With Diaeresis"}',
    );
    // Read the order off the text: re-parsing would move the integer-like key "1" to the front.
    const values = [...canonicalize(input).matchAll(/:"([^"]*)"/g)].map((m) => m[1]);
    expect(values).toEqual([
      'Carriage Return',
      'One',
      'Control',
      'Latin Small Letter O With Diaeresis',
      'Euro Sign',
      'Emoji: Grinning Face',
      'Hebrew Letter Dalet With Dagesh',
    ]);
    // The emoji (a surrogate pair starting 0xD83D) sorts before U+FB33 in UTF-16, after it in code points.
    expect(canonicalize(input)).toBe(
      '{"\\r":"Carriage Return","1":"One","\u0080":"Control","\u00f6":"Latin Small Letter O With Diaeresis",' +
        '"\u20ac":"Euro Sign","\ud83d\ude00":"Emoji: Grinning Face","\ufb33":"Hebrew Letter Dalet With Dagesh"}',
    );
  });

  it('matches the RFC 8785 §3.2.2 sample output', () => {
    const input = JSON.parse(
      '{"numbers":[333333333.33333329,1E30,4.50,2e-3,0.000000000000000000000000001],' +
        '"string":"\\u20ac$\\u000F\\u000aA\'\\u0042\\u0022\\u005c\\\\\\"\\/","literals":[null,true,false]}',
    );
    expect(canonicalize(input)).toBe(
      '{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],' +
        '"string":"\u20ac$\\u000f\\nA\'B\\"\\\\\\\\\\"/"}',
    );
  });

  it('serialises numbers like ECMAScript (RFC 8785 Appendix B)', () => {
    const table: [string, string][] = [
      ['0000000000000000', '0'],
      ['8000000000000000', '0'],
      ['0000000000000001', '5e-324'],
      ['8000000000000001', '-5e-324'],
      ['7fefffffffffffff', '1.7976931348623157e+308'],
      ['ffefffffffffffff', '-1.7976931348623157e+308'],
      ['4340000000000000', '9007199254740992'],
      ['c340000000000000', '-9007199254740992'],
      ['4430000000000000', '295147905179352830000'],
      ['44b52d02c7e14af5', '9.999999999999997e+22'],
      ['44b52d02c7e14af6', '1e+23'],
      ['44b52d02c7e14af7', '1.0000000000000001e+23'],
      ['444b1ae4d6e2ef4e', '999999999999999700000'],
      ['444b1ae4d6e2ef4f', '999999999999999900000'],
      ['444b1ae4d6e2ef50', '1e+21'],
      ['3eb0c6f7a0b5ed8c', '9.999999999999997e-7'],
      ['3eb0c6f7a0b5ed8d', '0.000001'],
      ['41b3de4355555553', '333333333.3333332'],
      ['41b3de4355555554', '333333333.33333325'],
      ['41b3de4355555555', '333333333.3333333'],
      ['41b3de4355555556', '333333333.3333334'],
      ['41b3de4355555557', '333333333.33333343'],
      ['becbf647612f3696', '-0.0000033333333333333333'],
      ['43143ff3c1cb0959', '1424953923781206.2'],
    ];
    for (const [bits, text] of table) expect(canonicalize(fromBits(bits))).toBe(text);
    expect(canonicalize(1e21)).toBe('1e+21');
    // RFC 8785's example literal 333333333.33333329 is this double; written so no digits are lost.
    expect(canonicalize(333333333.3333333)).toBe('333333333.3333333');
    expect(canonicalize(-0)).toBe('0');
    expect(canonicalize({ a: [-0, 1e-7, 100] })).toBe('{"a":[0,1e-7,100]}');
  });

  it('rejects non-finite numbers', () => {
    expectCode(() => canonicalize({ x: NaN }), 'TL_INTERNAL', /non-finite number NaN at \$\.x/);
    expectCode(() => canonicalize([Infinity]), 'TL_INTERNAL', /non-finite/);
    expectCode(() => canonicalize(-Infinity), 'TL_INTERNAL', /non-finite/);
  });

  it('skips undefined members like JSON.stringify and writes null for undefined array items', () => {
    expect(canonicalize({ b: 1, a: undefined, c: { d: undefined } })).toBe('{"b":1,"c":{}}');
    expect(canonicalize([1, undefined, 2])).toBe('[1,null,2]');
    expectCode(() => canonicalize(undefined), 'TL_INTERNAL', /top-level/);
  });

  it('throws TL_INTERNAL on cycles, bigint, functions and lone surrogates', () => {
    const cyclic: Record<string, unknown> = { a: 1 };
    cyclic.self = cyclic;
    expectCode(() => canonicalize(cyclic), 'TL_INTERNAL', /cycle at \$\.self/);
    const arr: unknown[] = [];
    arr.push({ inner: arr });
    expectCode(() => canonicalize(arr), 'TL_INTERNAL', /cycle/);
    expectCode(() => canonicalize({ n: 10n }), 'TL_INTERNAL', /bigint at \$\.n/);
    expectCode(() => canonicalize({ f: () => 1 }), 'TL_INTERNAL', /function/);
    expectCode(() => canonicalize('\ud800x'), 'TL_INTERNAL', /lone surrogate/);
    expectCode(() => canonicalize({ ['\udc00']: 1 }), 'TL_INTERNAL', /lone surrogate/);
  });

  it('allows the same object twice when it is not a cycle', () => {
    const shared = { z: true };
    expect(canonicalize({ b: shared, a: shared })).toBe('{"a":{"z":true},"b":{"z":true}}');
  });

  it('escapes control characters with lowercase hex and honours toJSON', () => {
    expect(canonicalize('\u0001\u001f\b\t\f"')).toBe('"\\u0001\\u001f\\b\\t\\f\\""');
    expect(canonicalize({ when: new Date('2025-01-02T03:04:05.000Z') })).toBe('{"when":"2025-01-02T03:04:05.000Z"}');
  });

  it('canonicalBytes is the UTF-8 encoding', () => {
    const bytes = canonicalBytes({ '\u20ac': '\u00f6' });
    expect(bytes).toBeInstanceOf(Buffer);
    expect(bytes.toString('hex')).toBe(Buffer.from('{"\u20ac":"\u00f6"}', 'utf8').toString('hex'));
    expect(bytes.length).toBe(12);
  });
});
