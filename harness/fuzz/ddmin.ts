/**
 * Delta debugging (Zeller and Hildebrandt, "Simplifying and Isolating Failure-Inducing
 * Input", 2002): the ddmin algorithm over a list of units, bounded by a test budget because
 * every failing test costs the device a crash and a reboot.
 */

/** Run ddmin; `fails` says whether a candidate still makes the device fail. */
export async function ddmin<T>(input: readonly T[], fails: (candidate: T[]) => Promise<boolean>, maxTests: number): Promise<{ result: T[]; tests: number }> {
  let current = [...input];
  let n = 2;
  let tests = 0;
  while (current.length >= 2 && tests < maxTests) {
    const size = Math.ceil(current.length / n);
    const chunks: T[][] = [];
    for (let i = 0; i < current.length; i += size) chunks.push(current.slice(i, i + size));
    let reduced = false;
    // Complements first: removing one chunk is the step that shrinks most inputs fastest.
    for (let i = 0; i < chunks.length && tests < maxTests; i++) {
      const complement = chunks.filter((_, j) => j !== i).flat();
      if (complement.length === 0) continue;
      tests += 1;
      if (await fails(complement)) {
        current = complement;
        n = Math.max(n - 1, 2);
        reduced = true;
        break;
      }
    }
    if (!reduced) {
      for (let i = 0; i < chunks.length && tests < maxTests && chunks.length > 2; i++) {
        tests += 1;
        if (await fails(chunks[i]!)) {
          current = chunks[i]!;
          n = 2;
          reduced = true;
          break;
        }
      }
    }
    if (!reduced) {
      if (n >= current.length) break;
      n = Math.min(current.length, n * 2);
    }
  }
  return { result: current, tests };
}
