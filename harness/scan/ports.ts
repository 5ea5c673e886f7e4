/**
 * Port lists as the lab config writes them ("all", "none", "22,80,8000-8100") and the
 * randomised order scans use, so a rate limiter on the device sees no sequential sweep.
 */
import { TrustlabError } from '../errors.ts';

/** Parse a port list; throws TL_CONFIG_INVALID on a bad range. */
export function parsePortList(spec: string): number[] {
  if (spec === 'all') return Array.from({ length: 65535 }, (_, i) => i + 1);
  if (spec === 'none' || spec.trim() === '') return [];
  const out = new Set<number>();
  for (const part of spec.split(',')) {
    // Strict decimal "N" or "N-M": Number() alone would take "1e3", "0x50" or "+22".
    const m = /^\s*(\d{1,5})(?:-(\d{1,5}))?\s*$/.exec(part);
    const lo = m ? Number(m[1]) : NaN;
    const hi = m?.[2] !== undefined ? Number(m[2]) : lo;
    if (!m || lo < 1 || hi > 65535 || lo > hi) {
      throw new TrustlabError('TL_CONFIG_INVALID', `bad port range "${part}" (ports are 1-65535, low-high)`);
    }
    for (let p = lo; p <= hi; p++) out.add(p);
  }
  return [...out].sort((x, y) => x - y);
}

/** Fisher-Yates with a seeded xorshift, so a run's order is reproducible from its seed. */
export function shuffledPorts(ports: readonly number[], seed: number): number[] {
  const out = [...ports];
  let s = seed >>> 0 || 0x9e3779b9;
  for (let i = out.length - 1; i > 0; i--) {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    const j = (s >>> 0) % (i + 1);
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}
