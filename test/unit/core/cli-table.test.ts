import { describe, expect, it } from 'vitest';
import { loadAllCommands } from '../../../harness/cli/main.ts';

// main.ts keeps each command's name and summary so `--help` loads nothing; they must not drift
// from the command modules themselves.
describe('CLI command table', () => {
  it('names and summarises each command exactly as its module does', async () => {
    const { commandTable } = await import('../../../harness/cli/main.ts');
    const loaded = await loadAllCommands();
    expect(loaded.map((c) => [c.name, c.summary])).toEqual(commandTable().map((c) => [c.name, c.summary]));
  });
});
