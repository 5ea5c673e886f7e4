/**
 * The evidence store: files written once, addressed by their sha256, under the bag's
 * data/evidence/. Writing the same bytes twice yields the same reference and one file.
 */
import { createHash } from 'node:crypto';
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, renameSync, writeSync } from 'node:fs';
import path from 'node:path';
import type { EvidenceRef } from '../model.ts';

/** Keep names readable but safe as one path segment. */
function safeName(name: string): string {
  const cleaned = name.replace(/[^A-Za-z0-9._-]+/g, '_').replace(/^\.+/, '').slice(0, 80);
  return cleaned === '' ? 'evidence' : cleaned;
}

export class EvidenceStore {
  /** The bag's payload directory (the parent of evidence/). */
  readonly dataDir: string;

  constructor(dataDir: string) {
    this.dataDir = dataDir;
    mkdirSync(path.join(dataDir, 'evidence'), { recursive: true });
  }

  /** Store bytes; the returned path is relative to the bag's data/ directory. */
  put(name: string, content: Uint8Array | string, mediaType: string): EvidenceRef {
    const bytes = typeof content === 'string' ? Buffer.from(content, 'utf8') : Buffer.from(content);
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    const rel = `evidence/${sha256.slice(0, 16)}-${safeName(name)}`;
    const abs = path.join(this.dataDir, rel);
    if (!existsSync(abs)) {
      // tmp + fsync + rename: a kill never leaves a half-written file under the final name.
      const tmp = `${abs}.tmp-${process.pid}`;
      const fd = openSync(tmp, 'w', 0o644);
      try {
        writeSync(fd, bytes);
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
      renameSync(tmp, abs);
    }
    return { path: rel, sha256, mediaType };
  }
}
