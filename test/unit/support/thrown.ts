/** Test support: run fn, assert it throws a TrustlabError, and return the error. */
import { expect } from 'vitest';
import { TrustlabError } from '../../../harness/errors.ts';

export function thrown(fn: () => unknown): TrustlabError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(TrustlabError);
    return err as TrustlabError;
  }
  throw new Error('expected a throw');
}
