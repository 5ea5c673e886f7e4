/** Run a CLI command in-process and capture what it writes to stdout. */
import { vi } from 'vitest';
import type { Command } from '../../../harness/cli/command.ts';

export async function runCapturingStdout(command: Command, argv: string[]): Promise<{ code: number; out: string }> {
  const chunks: string[] = [];
  const spy = vi.spyOn(process.stdout, 'write').mockImplementation((c: string | Uint8Array) => {
    chunks.push(String(c));
    return true;
  });
  try {
    return { code: await command.run(argv), out: chunks.join('') };
  } finally {
    spy.mockRestore();
  }
}
