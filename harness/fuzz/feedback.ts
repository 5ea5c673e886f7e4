/**
 * Response feedback: a case whose reply has a shape not seen before (a new CONNACK code, a
 * new CoAP response code and option set, a new HTTP status and header set, or a new way of
 * ending the connection) is kept, and its children in the case tree run ahead of the plain
 * breadth-first walk. Feedback picks which (seed, index) pairs run; it never changes their bytes.
 */
import { childOf, FANOUT } from './case.ts';

/** Picks the next case index and learns from replies. */
export class FeedbackScheduler {
  private cursor = 0;
  private readonly issuedAhead = new Set<number>();
  private readonly kept: { index: number; slot: number }[] = [];
  private readonly seen = new Map<string, number>();
  private turn = 0;

  /** Distinct reply signatures seen, with the first case index that produced each. */
  signatures(): ReadonlyMap<string, number> {
    return this.seen;
  }

  /** Number of cases kept for further mutation. */
  keptCount(): number {
    return this.seen.size;
  }

  /** The next index to run: alternately a child of a kept case and the next in breadth-first order. */
  next(): number {
    this.turn += 1;
    while (this.kept.length > 0 && this.turn % 2 === 0) {
      const k = this.kept[0]!;
      const child = childOf(k.index, k.slot);
      k.slot += 1;
      if (k.slot >= FANOUT || child === undefined) this.kept.shift();
      else this.kept.push(this.kept.shift()!); // round robin across kept cases
      if (child === undefined || child < this.cursor || this.issuedAhead.has(child)) continue;
      this.issuedAhead.add(child);
      return child;
    }
    while (this.issuedAhead.delete(this.cursor)) this.cursor += 1;
    return this.cursor++;
  }

  /** Record the reply signature of a case; true when it was new (the case is kept). */
  observe(index: number, signature: string): boolean {
    if (this.seen.has(signature)) return false;
    this.seen.set(signature, index);
    this.kept.push({ index, slot: 0 });
    return true;
  }
}
