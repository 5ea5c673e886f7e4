/**
 * The test-case catalogue: CTM id -> title and requirement references. Knowledge lives in
 * data (suites/requirements/ctm-test-cases.json); one check can serve several standards.
 */
import { loadTable } from './policies.ts';

/** Test-case id -> requirement references, from suites/requirements (data, not code). */
export interface TestCaseInfo {
  suite: string;
  title: string;
  requirements: string[];
}
const catalogue = loadTable<{ version: string; testCases: Record<string, TestCaseInfo> }>(
  new URL('../../suites/requirements/ctm-test-cases.json', import.meta.url),
);
export const requirementsVersion = catalogue.version;
export function testCaseInfo(testId: string): TestCaseInfo | undefined {
  return catalogue.testCases[testId];
}
