/**
 * The fuzzer's only source of randomness: a small counter-based generator keyed by
 * (seed, index, stream), so case N of a seed is computed without computing cases 0..N-1 and
 * the same triple gives the same numbers on every machine and Node version.
 */

/** A deterministic random stream. */
export interface Rng {
  /** An integer in [0, n). */
  int(n: number): number;
  /** True with probability p. */
  chance(p: number): boolean;
  /** One element of a non-empty list. */
  pick<T>(list: readonly T[]): T;
  /** n random bytes. */
  bytes(n: number): Buffer;
}

// splitmix32-style finaliser: full avalanche, so neighbouring indices give unrelated streams.
function mix(x: number): number {
  x = Math.imul(x ^ (x >>> 16), 0x21f0aaad);
  x = Math.imul(x ^ (x >>> 15), 0x735a2d97);
  return (x ^ (x >>> 15)) >>> 0;
}

/** Split a non-negative integer up to 2^53 into two 32-bit words. */
function words(n: number): [number, number] {
  return [n >>> 0, Math.floor(n / 0x1_0000_0000) >>> 0];
}

/** The stream for one (seed, index); `stream` separates independent uses of one case. */
export function rngFor(seed: number, index: number, stream = 0): Rng {
  const [s0, s1] = words(seed);
  const [i0, i1] = words(index);
  let state = mix(mix(mix(mix(s0 ^ 0x9e3779b9) ^ s1) ^ i0) ^ mix(i1 + 0x7f4a7c15) ^ Math.imul(stream + 1, 0x85ebca6b));
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    return mix(state);
  };
  const int = (n: number): number => (n <= 1 ? 0 : Math.floor((next() / 0x1_0000_0000) * n));
  return {
    int,
    chance: (p) => next() / 0x1_0000_0000 < p,
    pick: <T>(list: readonly T[]): T => list[int(list.length)]!,
    bytes: (n) => {
      const out = Buffer.alloc(n);
      for (let i = 0; i < n; i++) out[i] = next() & 0xff;
      return out;
    },
  };
}
