/**
 * Case addressing. Cases form a tree over the natural numbers: indices 0..63 are roots and
 * the children of case p are (p+1)*64 .. (p+1)*64+63, so every index has exactly one parent
 * (floor(i/64)-1) and counting up visits the tree breadth first. A case is a template (roots,
 * and a quarter of the others) or a mutation of its parent, with randomness drawn only from
 * (seed, index): the same pair always gives the same bytes, whatever ran before. Feedback
 * changes which indices run, never what an index is.
 */
import { mutateMessage, MAX_MESSAGE_BYTES } from './mutators.ts';
import type { FuzzProtocol, ProtocolModel } from './protocol.ts';
import { rngFor, type Rng } from './rng.ts';
import { cloneMessage, serialise, type Message } from './segments.ts';

/** Children per case. */
export const FANOUT = 64;
/** The largest index whose arithmetic stays exact. */
export const MAX_INDEX = Number.MAX_SAFE_INTEGER;

/** One fuzz case: what is sent, and how it came to be. */
export interface FuzzCase {
  protocol: FuzzProtocol;
  seed: number;
  index: number;
  /** Ancestor indices this case derives from, nearest first. */
  lineage: number[];
  /** The messages, in order (one TCP write or one datagram each). */
  messages: Message[];
  /** Their bytes. */
  bytes: Buffer[];
  /** Template and the mutations applied, oldest first. */
  strategy: string[];
}

/** The parent index, or undefined for a root. */
export function parentOf(index: number): number | undefined {
  return index < FANOUT ? undefined : Math.floor(index / FANOUT) - 1;
}

/** The index of child `slot` (0..FANOUT-1) of case `index`, or undefined past MAX_INDEX. */
export function childOf(index: number, slot: number): number | undefined {
  const child = (index + 1) * FANOUT + slot;
  return child > MAX_INDEX ? undefined : child;
}

function sequenceMutation(rng: Rng, messages: Message[]): string | undefined {
  if (messages.length === 0 || !rng.chance(0.1)) return undefined;
  const i = rng.int(messages.length);
  const how = rng.int(3);
  if (how === 0) {
    const times = rng.pick([2, 4, 16]);
    messages.splice(i, 0, ...Array.from({ length: times - 1 }, () => cloneMessage(messages[i]!)));
    return `message ${i} (${messages[i]!.label}) repeated x${times}`;
  }
  if (how === 1 && messages.length > 1) {
    const [dropped] = messages.splice(i, 1);
    return `message ${i} (${dropped!.label}) dropped`;
  }
  if (messages.length > 1) {
    const j = rng.int(messages.length);
    [messages[i], messages[j]] = [messages[j]!, messages[i]!];
    return `messages ${i} and ${j} swapped`;
  }
  return undefined;
}

function build(model: ProtocolModel, seed: number, index: number, cache: Map<number, FuzzCase>): FuzzCase {
  const cached = cache.get(index);
  if (cached) return cached;
  const rng = rngFor(seed, index);
  const parent = parentOf(index);
  let messages: Message[];
  let strategy: string[];
  let lineage: number[] = [];
  if (parent === undefined || rng.chance(0.25)) {
    const t = model.template(rng);
    messages = t.messages;
    strategy = [`template: ${t.label}`];
  } else {
    const p = build(model, seed, parent, cache);
    messages = p.messages.map(cloneMessage);
    strategy = [...p.strategy];
    lineage = [parent, ...p.lineage];
  }
  // A root keeps its template unmutated one time in ten, so valid traffic is in the mix.
  const rounds = parent === undefined && rng.chance(0.1) ? 0 : 1 + rng.int(rng.chance(0.3) ? 4 : 2);
  for (let r = 0; r < rounds; r++) {
    const structural = sequenceMutation(rng, messages);
    if (structural) { strategy.push(structural); continue; }
    // Deeper states matter: the last message is the one after the handshake, so it is favoured.
    const i = rng.chance(0.6) ? messages.length - 1 : rng.int(messages.length);
    const m = messages[i]!;
    strategy.push(`${m.label}[${i}]: ${mutateMessage(rng, m, serialise(m).length)}`);
  }
  const bytes = messages.map((m) => {
    const b = serialise(m);
    return b.length > MAX_MESSAGE_BYTES ? b.subarray(0, MAX_MESSAGE_BYTES) : b;
  });
  const built: FuzzCase = { protocol: model.name, seed, index, lineage, messages, bytes, strategy };
  if (cache.size > 20_000) cache.clear();
  cache.set(index, built);
  return built;
}

/** Case `index` of `seed` for a protocol; pass a cache shared across calls to reuse ancestors. */
export function caseAt(model: ProtocolModel, seed: number, index: number, cache = new Map<number, FuzzCase>()): FuzzCase {
  if (!Number.isSafeInteger(index) || index < 0) throw new RangeError(`case index ${index} is not a whole number in 0..${MAX_INDEX}`);
  return build(model, seed, index, cache);
}
