/**
 * The human report: one self-contained HTML file (inline CSS and SVG, no script, a CSP that
 * forbids every remote load) with the summary per device and suite, the verdict chart, the
 * discovered port map, every failure with its data inline and its evidence files linked
 * inside the bag, and who tested, who signed, and how to verify. All report text is escaped:
 * banners and service names come from the devices and are hostile input.
 */
import { createHash } from 'node:crypto';
import type { Verdict } from '../../harness/model.ts';
import { WRITER_API_VERSION, type WriterPlugin } from '../../harness/plugins/types.ts';
import { PREDICATE_TYPE } from '../intoto.ts';
import { jsonWriter } from './json.ts';
import {
  assertExport, escapeMarkup as attr, escapeMarkup as text, generatorStamp, groupsOf, productName, reportView, targetLabel, testTitle,
  type CountsView, type DeviceView, type ReportView, type ResultView, type SuiteGroup,
} from './view.ts';

const ID = 'html';
const VERSION = '1.0.0';
const CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'";
const EVIDENCE_PATH = /^evidence\/(?!\.+$)[A-Za-z0-9._-]+$/;

/** Verdicts in display order with their colours and labels. */
const VERDICT_STYLE: readonly { verdict: Verdict; colour: string; label: string }[] = [
  { verdict: 'fail', colour: '#c62828', label: 'fail' },
  { verdict: 'inconclusive', colour: '#f9a825', label: 'inconclusive' },
  { verdict: 'pass', colour: '#2e7d32', label: 'pass' },
  { verdict: 'not-applicable', colour: '#9e9e9e', label: 'not applicable' },
];

const WIDTH = 760;
const LABEL = 230;
const BAR = 22;
const GAP = 10;
const TOP = 34;

// The chart: one stacked bar per device x suite, inline SVG (offline, no script, same bytes every time).
function verdictChart(groups: readonly SuiteGroup[]): string {
  const max = Math.max(1, ...groups.map((g) => g.results.length));
  const scale = (WIDTH - LABEL - 60) / max;
  const height = TOP + groups.length * (BAR + GAP) + 10;
  const legend = VERDICT_STYLE.map((s, i) => {
    const x = LABEL + i * 120;
    return `<rect x="${x}" y="6" width="12" height="12" fill="${s.colour}"/><text x="${x + 17}" y="16">${s.label}</text>`;
  }).join('');
  const rows = groups.map((g, row) => {
    const y = TOP + row * (BAR + GAP);
    let x = LABEL;
    const segments = VERDICT_STYLE.map((s) => {
      const n = g.results.filter((r) => r.status === s.verdict).length;
      if (n === 0) return '';
      const w = Math.round(n * scale * 10) / 10;
      const rect = `<rect class="bar bar-${s.verdict}" data-count="${n}" x="${x}" y="${y}" width="${w}" height="${BAR}" fill="${s.colour}"><title>${text(`${g.suite} on ${g.device.id}: ${n} ${s.label}`)}</title></rect>`
        + (w >= 18 ? `<text class="count" x="${Math.round((x + w / 2) * 10) / 10}" y="${y + 15}" text-anchor="middle">${n}</text>` : '');
      x = Math.round((x + w) * 10) / 10;
      return rect;
    }).join('');
    const label = `<text x="${LABEL - 8}" y="${y + 15}" text-anchor="end">${text(`${g.suite} · ${g.device.id}`)}</text>`;
    return `<g class="row" data-suite="${text(g.suite)}" data-device="${text(g.device.id)}">${label}${segments}<text x="${x + 6}" y="${y + 15}">${g.results.length}</text></g>`;
  }).join('\n');
  return [
    `<svg id="verdict-chart" xmlns="http://www.w3.org/2000/svg" role="img" aria-labelledby="chart-title" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}">`,
    '<title id="chart-title">Verdicts per suite and device</title>',
    `<g class="legend">${legend}</g>`,
    rows,
    '</svg>',
  ].join('\n');
}

// Inline: labs are offline, and the CSP forbids anything remote.
const STYLE = `
body { font-family: "Liberation Sans", "DejaVu Sans", Arial, sans-serif; margin: 0 auto; max-width: 1100px; padding: 1.5rem; color: #1a1a1a; }
h1 { font-size: 1.6rem; margin-bottom: .2rem; } h2 { border-bottom: 2px solid #ddd; padding-bottom: .2rem; margin-top: 2rem; }
table { border-collapse: collapse; margin: .5rem 0 1rem; font-size: .9rem; } th, td { border: 1px solid #ccc; padding: .25rem .5rem; text-align: left; vertical-align: top; }
th { background: #f3f3f3; } td.n { text-align: right; font-variant-numeric: tabular-nums; }
code, pre { font-family: "DejaVu Sans Mono", "Liberation Mono", monospace; font-size: .85rem; } pre { background: #f7f7f7; padding: .5rem; overflow-x: auto; white-space: pre-wrap; word-break: break-all; }
.verdict { font-weight: bold; } .v-fail { color: #c62828; } .v-pass { color: #2e7d32; } .v-inconclusive { color: #a56c00; } .v-not-applicable { color: #666; }
article.failure { border-left: 4px solid #c62828; padding: .2rem 1rem; margin: 1rem 0; background: #fff8f8; }
svg text { font-size: 12px; fill: #1a1a1a; } svg text.count { fill: #fff; font-weight: bold; }
nav a { margin-right: 1rem; } .muted { color: #666; } dl { display: grid; grid-template-columns: max-content auto; gap: .2rem 1rem; } dt { font-weight: bold; }
`;

const verdict = (v: string): string => `<span class="verdict v-${attr(v)}">${text(v)}</span>`;
const countCells = (c: CountsView): string => VERDICT_STYLE.map((s) => `<td class="n">${c[s.verdict]}</td>`).join('') + `<td class="n">${c.total}</td>`;
const countHead = VERDICT_STYLE.map((s) => `<th>${s.label}</th>`).join('') + '<th>total</th>';

function counts(results: readonly ResultView[]): CountsView {
  const c: CountsView = { pass: 0, fail: 0, inconclusive: 0, 'not-applicable': 0, total: 0 };
  for (const r of results) {
    c[r.status]++;
    c.total++;
  }
  return c;
}

function header(report: ReportView, reportSha: string): string {
  const { run, lab } = report;
  return `<header><h1>Cyber Trust Mark test report</h1>
<p class="muted">trustlab ${text(run.trustlabVersion)} · run <code>${text(run.id)}</code> · ${text(run.startedAt)} to ${text(run.endedAt)}</p>
<dl><dt>Lab</dt><dd>${text(lab.name)}</dd><dt>Accreditation</dt><dd>${text(`${lab.accreditation.body}, certificate ${lab.accreditation.certificate}, scope: ${lab.accreditation.scope}`)}</dd>
<dt>Signer</dt><dd>${text(`${lab.signer.name} (${lab.signer.role})`)}</dd>
<dt>Standards</dt><dd>${report.standards.map((s) => text(`${s.id} ${s.edition}`)).join('<br>')}</dd>
<dt>Suites</dt><dd>${run.suites.map((s) => text(`${s.id} ${s.version}`)).join(', ')}</dd>
<dt>Report</dt><dd><code>data/report.json</code> sha256 <code>${reportSha}</code></dd></dl>
<nav><a href="#summary">Summary</a><a href="#chart">Chart</a><a href="#ports">Port map</a><a href="#failures">Failures</a><a href="#results">All results</a><a href="#verification">Verification</a></nav></header>`;
}

function summary(report: ReportView): string {
  const devices = report.devices.map((d) => `<tr><td>${text(d.id)}</td><td>${text(productName(d))}</td><td>${text(d.address)}</td><td>${text(d.product.firmwareVersion ?? 'not declared')}</td>${countCells(d.summary)}</tr>`);
  const groups = groupsOf(report).map((g) => `<tr><td>${text(g.device.id)}</td><td>${text(`${g.suite} ${g.version}`)}</td>${countCells(counts(g.results))}</tr>`);
  return `<section id="summary"><h2>Summary</h2>
<p>${report.summary.total} verdict(s): ${report.summary.fail} fail, ${report.summary.inconclusive} inconclusive, ${report.summary.pass} pass, ${report.summary['not-applicable']} not applicable.</p>
<table id="device-summary"><thead><tr><th>device</th><th>product</th><th>address</th><th>firmware</th>${countHead}</tr></thead><tbody>
${devices.join('\n')}
<tr><th colspan="4">all devices</th>${countCells(report.summary)}</tr></tbody></table>
<table id="suite-summary"><thead><tr><th>device</th><th>suite</th>${countHead}</tr></thead><tbody>
${groups.join('\n')}
</tbody></table></section>`;
}

function portMap(device: DeviceView): string {
  const declared = new Set((device.declared.services ?? []).map((s) => `${s.transport}/${s.port}`));
  const rows = device.discovered.services.map((s) => `<tr><td>${text(`${s.transport}/${s.port}`)}</td><td>${text(s.state)}</td><td>${text(s.service ?? '')}</td><td>${text([s.product, s.version].filter(Boolean).join(' '))}</td><td>${text(s.identifiedBy ?? '')}</td><td>${declared.has(`${s.transport}/${s.port}`) ? 'yes' : '<strong>no</strong>'}</td><td>${s.banner ? `<code>${text(s.banner)}</code>` : ''}</td></tr>`);
  const scanned = device.discovered.scanned ? `<p class="muted">scanned: <code>${text(JSON.stringify(device.discovered.scanned))}</code></p>` : '';
  return `<h3>${text(`${device.id} (${device.address})`)}</h3>${scanned}
<table class="ports" data-device="${attr(device.id)}"><thead><tr><th>port</th><th>state</th><th>service</th><th>product</th><th>identified by</th><th>declared</th><th>banner</th></tr></thead><tbody>
${rows.join('\n') || '<tr><td colspan="7">no open service found</td></tr>'}
</tbody></table>`;
}

function evidenceLinks(r: ResultView): string {
  if (r.evidence.length === 0) return '<p class="muted">No evidence file: the check recorded its observation as the data above.</p>';
  const items = r.evidence.map((e) => (EVIDENCE_PATH.test(e.path)
    ? `<li><a class="evidence" href="../${attr(e.path)}">data/${text(e.path)}</a> <span class="muted">${text(e.mediaType)}, sha256 <code>${text(e.sha256)}</code></span></li>`
    : `<li>data/${text(e.path)} <span class="muted">sha256 <code>${text(e.sha256)}</code></span></li>`));
  return `<ul class="evidence-list">${items.join('')}</ul>`;
}

function failures(report: ReportView): string {
  const items = report.devices.flatMap((d) => d.results.filter((r) => r.status === 'fail').map((r) => ({ d, r })));
  const articles = items.map(({ d, r }, i) => {
    const title = testTitle(report, r.testId);
    return `<article class="failure" id="failure-${i + 1}"><h3>${text(`${r.testId} · ${d.id} · ${targetLabel(r.target)}`)}</h3>
${title ? `<p class="muted">${text(title)}</p>` : ''}<p>${text(r.summary)}</p>
<p>check <code>${text(r.checkId)}</code>; requirements: ${text(r.requirements.join('; ') || 'none recorded')}</p>
${r.data ? `<pre class="data">${text(JSON.stringify(r.data, null, 2))}</pre>` : ''}${evidenceLinks(r)}</article>`;
  });
  return `<section id="failures"><h2>Failures (${items.length})</h2>\n${articles.join('\n') || '<p>No test case failed.</p>'}</section>`;
}

function allResults(report: ReportView): string {
  const rows = report.devices.flatMap((d) => d.results.map((r) => `<tr><td>${text(d.id)}</td><td>${text(r.testId)}</td><td>${text(targetLabel(r.target))}</td><td>${verdict(r.status)}</td><td>${text(r.summary)}</td></tr>`));
  return `<section id="results"><h2>All results</h2><table><thead><tr><th>device</th><th>test case</th><th>target</th><th>verdict</th><th>summary</th></tr></thead><tbody>
${rows.join('\n')}
</tbody></table></section>`;
}

function verification(report: ReportView): string {
  const { lab, run } = report;
  return `<section id="verification"><h2>Verification</h2>
<p>This report was rendered from <code>data/report.json</code> of run <code>${text(run.id)}</code> and is, like every export, a subject of the in-toto statement the lab signed (DSSE, Ed25519) in <code>report.intoto.json</code>. The signer who performed or supervised the tests: ${text(`${lab.signer.name}, ${lab.signer.role}, ${lab.name}`)}.</p>
<ol><li>Get the lab's public key (SPKI PEM) from the lab, not from the run directory.</li>
<li>Check signature, statement, manifests and every file, including that each export matches the report:<pre>trustlab verify &lt;run-dir&gt; --key lab.pub.pem</pre></li>
<li>Or with independent tools: <pre>cosign verify-blob-attestation --key lab.pub.pem --signature &lt;run-dir&gt;/report.intoto.json \\
  --type ${text(PREDICATE_TYPE)} --insecure-ignore-tlog &lt;run-dir&gt;/data/report.json
cd &lt;run-dir&gt; &amp;&amp; sha256sum -c manifest-sha256.txt &amp;&amp; sha256sum -c tagmanifest-sha256.txt</pre></li></ol>
<p class="muted">Any changed byte in any file of the run fails verification.</p></section>`;
}

/** The HTML page as text. */
export function htmlPage(report: ReportView): string {
  const reportSha = createHash('sha256').update(jsonWriter.render(report)).digest('hex');
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="generator" content="${generatorStamp(ID, VERSION)}">
<meta http-equiv="Content-Security-Policy" content="${CSP}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${text(`trustlab report ${report.run.id}`)}</title>
<style>${STYLE}</style></head>
<body>
${header(report, reportSha)}
${summary(report)}
<section id="chart"><h2>Verdicts per suite</h2><figure>${verdictChart(groupsOf(report))}</figure></section>
<section id="ports"><h2>Discovered port map</h2>
${report.devices.map(portMap).join('\n')}</section>
${failures(report)}
${allResults(report)}
${verification(report)}
<footer class="muted"><p>${text(`${generatorStamp(ID, VERSION)}, trustlab ${report.run.trustlabVersion}`)}</p></footer>
</body></html>
`;
}

/** What could make the page load or leave the bag: only links inside it or to evidence files pass. */
export function remoteLoadProblems(html: string): string[] {
  const problems: string[] = [];
  for (const m of html.matchAll(/\b(href|src|srcset|action|xlink:href)\s*=\s*"([^"]*)"/gi)) {
    const [, name, value] = m;
    if (name!.toLowerCase() !== 'href' || !(value!.startsWith('#') || /^\.\.\/evidence\/[A-Za-z0-9._-]+$/.test(value!))) problems.push(`${name}="${value}" may load or leave the bag`);
  }
  // Report text is escaped (quotes too), so tags and attributes can only come from this writer.
  if (/<(script|iframe|object|embed|link|base|form|img)\b|http-equiv="refresh"/i.test(html)) problems.push('a script, frame, object, link, base, form, image or refresh is present');
  for (const style of html.matchAll(/<style>([^<]*)<\/style>/g)) if (/@import|url\(/i.test(style[1]!)) problems.push('the stylesheet imports or loads a URL');
  return problems;
}

/** Self-contained HTML report (data/exports/report.html). */
export const htmlWriter: WriterPlugin = {
  apiVersion: WRITER_API_VERSION,
  id: ID,
  version: VERSION,
  title: 'HTML report (self-contained, offline)',
  mediaType: 'text/html',
  fileName: 'report.html',
  render(report) {
    const html = htmlPage(reportView(report, ID));
    assertExport(ID, remoteLoadProblems(html));
    return Buffer.from(html, 'utf8');
  },
};
