/**
 * Map a JSON path inside a parsed YAML document back to a line and column, so every config
 * error can name file, line and path. Missing keys point at their parent object.
 */
import { isMap, isScalar, isSeq, type Document, type LineCounter, type Node } from 'yaml';

export interface SourcePosition {
  line: number;
  col: number;
}

/** Split an ajv instancePath ("/devices/0/address") into segments, unescaping ~1 and ~0. */
export function splitPointer(pointer: string): string[] {
  if (pointer === '') return [];
  return pointer.slice(1).split('/').map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

/** Render segments as a readable JSON path: devices[0].address */
export function formatPath(segments: readonly string[]): string {
  let out = '';
  for (const seg of segments) {
    if (/^\d+$/.test(seg)) out += `[${seg}]`;
    else out += out === '' ? seg : `.${seg}`;
  }
  return out === '' ? '(root)' : out;
}

/**
 * Find the deepest node on the path. With `keyOfLast`, point at the key of the last segment
 * (for "unknown property" errors) rather than its value.
 */
export function locate(doc: Document, counter: LineCounter, segments: readonly string[], keyOfLast = false): SourcePosition {
  let node: Node | null | undefined = doc.contents as Node | null;
  let best: [number, number, number] | undefined = node?.range ?? undefined;
  for (let i = 0; i < segments.length && node; i++) {
    const seg = segments[i]!;
    if (isMap(node)) {
      const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === seg);
      if (!pair) break;
      const last = i === segments.length - 1;
      if (last && keyOfLast && isScalar(pair.key) && pair.key.range) {
        best = pair.key.range;
        break;
      }
      node = pair.value as Node | null;
      // A key with no value ("address:") has no value range: keep the key's.
      if (node?.range) best = node.range;
      else if (isScalar(pair.key) && pair.key.range) best = pair.key.range;
    } else if (isSeq(node)) {
      node = node.items[Number(seg)] as Node | undefined;
      if (node?.range) best = node.range;
    } else {
      break;
    }
  }
  const offset = best ? best[0] : 0;
  const pos = counter.linePos(offset);
  return { line: pos.line, col: pos.col };
}
