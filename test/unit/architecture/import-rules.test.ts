/**
 * The folder import rules of ARCHITECTURE.md, checked over every source file: adapters/ never
 * import suites/ or reports/; reports/ never import adapters/; harness/ never imports suites/
 * (it loads them by path); suites/ never import reports/; nothing outside harness/cli imports it.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../../', import.meta.url));

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  // A folder with no source yet is not in git (a fresh clone lacks it): nothing to check there.
  if (!existsSync(path.join(root, dir))) return out;
  for (const e of readdirSync(path.join(root, dir), { withFileTypes: true })) {
    const rel = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...sourceFiles(rel));
    else if (e.name.endsWith('.ts')) out.push(rel);
  }
  return out;
}

/** Static imports and re-exports, resolved to project-relative paths. */
export function importsOf(file: string, text: string): string[] {
  const specs = [...text.matchAll(/(?:^|\n)\s*(?:import|export)\s[^'"]*?from\s+['"]([^'"]+)['"]/g), ...text.matchAll(/import\(\s*['"]([^'"]+)['"]\s*\)/g)].map((m) => m[1]!);
  return specs.filter((s) => s.startsWith('.')).map((s) => path.normalize(path.join(path.dirname(file), s)));
}

const forbidden: { from: string; to: string; why: string }[] = [
  { from: 'adapters/', to: 'suites/', why: 'adapters never import suites' },
  { from: 'adapters/', to: 'reports/', why: 'adapters never import reports' },
  { from: 'reports/', to: 'adapters/', why: 'reports never import adapters' },
  { from: 'harness/', to: 'suites/', why: 'the harness loads suites by path, never statically' },
  { from: 'suites/', to: 'reports/', why: 'suites produce findings; reports render them' },
];

describe('import rules', () => {
  const files = ['harness', 'suites', 'adapters', 'reports'].flatMap((d) => sourceFiles(d));

  it('finds the source tree', () => {
    expect(files.length).toBeGreaterThan(20);
    expect(importsOf('harness/x/a.ts', "import { b } from '../y/b.ts';")).toEqual([path.normalize('harness/y/b.ts')]);
  });

  it('keeps each folder to what it may import', () => {
    const violations: string[] = [];
    for (const file of files) {
      const targets = importsOf(file, readFileSync(path.join(root, file), 'utf8'));
      for (const t of targets) {
        for (const rule of forbidden) {
          if (file.startsWith(rule.from) && t.startsWith(rule.to)) violations.push(`${file} imports ${t}: ${rule.why}`);
        }
        if (t.startsWith(path.normalize('harness/cli/')) && !file.startsWith(path.normalize('harness/cli/'))) {
          violations.push(`${file} imports ${t}: nothing imports the CLI`);
        }
      }
    }
    expect(violations).toEqual([]);
  });
});
