/**
 * The JUnit writer on the fixture report: valid under both JUnit XSDs (xmllint), even with
 * hostile device text; one testsuite per device x suite; failure / error / skipped where the
 * verdicts say; counts that add up.
 */
import { describe, expect, it } from 'vitest';
import { junitWriter } from '../../../../reports/writers/junit.ts';
import { fixtureReport, HOSTILE } from './fixture.ts';
import { junitXsdResults } from './validators.ts';

const xmlOf = (report: unknown): string => Buffer.from(junitWriter.render(report)).toString('utf8');

function suites(xml: string): Record<string, string> {
  return Object.fromEntries([...xml.matchAll(/<testsuite name="([^"]+)"[^>]*>([\s\S]*?)<\/testsuite>/g)].map((m) => [m[1]!, m[0]]));
}

describe('junit writer', () => {
  const xml = xmlOf(fixtureReport());

  it('is valid under both JUnit XSDs (Jenkins xUnit and Ant), checked with xmllint', () => {
    const results = junitXsdResults(xml);
    expect(results).toHaveLength(2);
    for (const r of results) expect(r.ok, `${r.xsd}: ${r.output}`).toBe(true);
  });

  it('fails the strict XSD when the rules of FORMATS.md are broken, so the check can fail', () => {
    const zoned = xml.replace(/timestamp="([^"]+)"/, 'timestamp="$1Z"');
    const attributed = xml.replace('<testsuites>', '<testsuites name="x">');
    for (const bad of [zoned, attributed]) {
      const ant = junitXsdResults(bad).find((r) => r.xsd.includes('windyroad'))!;
      expect(ant.ok).toBe(false);
    }
  });

  it('has one testsuite per device x suite with counts that add up', () => {
    const bySuite = suites(xml);
    expect(Object.keys(bySuite)).toEqual(['cam/open-ports', 'cam/default-passwords', 'cam/update-mechanism', 'plug/open-ports', 'plug/default-passwords']);
    expect(bySuite['cam/open-ports']).toMatch(/tests="4" failures="2" errors="1" skipped="0"/);
    expect(bySuite['cam/open-ports']).toMatch(/package="cam" id="0" hostname="192.0.2.10" timestamp="2026-01-10T09:30:00"/);
    expect(bySuite['plug/default-passwords']).toMatch(/tests="1" failures="0" errors="0" skipped="1"/);
    expect((xml.match(/<testcase /g) ?? []).length).toBe(9);
  });

  it('maps fail to failure, inconclusive to error and not-applicable to skipped, with the evidence named', () => {
    const cam = suites(xml)['cam/default-passwords']!;
    expect(cam).toMatch(/<failure message="default credentials admin\/admin accepted on telnet tcp\/2323" type="CTM-DP-02">/);
    expect(cam).toContain('evidence: data/evidence/1b2c3d4e5f607182-cam-telnet-login.txt sha256=');
    expect(suites(xml)['cam/open-ports']).toMatch(/<error message="only 2 of 65535 TCP ports scanned: coverage is partial" type="inconclusive">/);
    expect(suites(xml)['plug/default-passwords']).toMatch(/<skipped message="no password-based login offered">/);
  });

  it('escapes hostile device text so the XML stays well-formed and inert', () => {
    expect(xml).not.toContain('<script>');
    expect(xml).not.toContain('\u0000');
    expect(xml).toContain('data: {"banner":"&lt;script&gt;alert(\\"pwned\\")&lt;/script&gt;\\u0000\\u001b[31m ]]&gt; --');
    // A banner that is only control characters and markup still yields a valid document.
    const report = fixtureReport();
    report.devices[0]!.results[1]!.summary = `\u0001\u0002<x>${HOSTILE}\ud800`;
    const hostile = xmlOf(report);
    expect(hostile).toContain('<failure message="\\u{1}\\u{2}&lt;x&gt;&lt;script&gt;alert(&quot;pwned&quot;)');
    for (const r of junitXsdResults(hostile)) expect(r.ok, r.output).toBe(true);
  });
});
