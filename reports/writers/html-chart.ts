/**
 * The HTML report's chart: verdicts per suite (one stacked bar per device x suite), drawn as
 * inline SVG so it renders offline, without scripts, and the same bytes for the same report.
 */
import type { Verdict } from '../../harness/model.ts';
import { escapeMarkup, escapeText, type SuiteGroup } from './view.ts';

/** Verdicts in display order with their colours and labels. */
export const VERDICT_STYLE: readonly { verdict: Verdict; colour: string; label: string }[] = [
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

/** The SVG chart of verdicts per suite and device. */
export function verdictChart(groups: readonly SuiteGroup[]): string {
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
      const rect = `<rect class="bar bar-${s.verdict}" data-count="${n}" x="${x}" y="${y}" width="${w}" height="${BAR}" fill="${s.colour}"><title>${escapeText(`${g.suite} on ${g.device.id}: ${n} ${s.label}`)}</title></rect>`
        + (w >= 18 ? `<text class="count" x="${Math.round((x + w / 2) * 10) / 10}" y="${y + 15}" text-anchor="middle">${n}</text>` : '');
      x = Math.round((x + w) * 10) / 10;
      return rect;
    }).join('');
    const label = `<text x="${LABEL - 8}" y="${y + 15}" text-anchor="end">${escapeText(`${g.suite} · ${g.device.id}`)}</text>`;
    return `<g class="row" data-suite="${escapeMarkup(g.suite)}" data-device="${escapeMarkup(g.device.id)}">${label}${segments}<text x="${x + 6}" y="${y + 15}">${g.results.length}</text></g>`;
  }).join('\n');
  return [
    `<svg id="verdict-chart" xmlns="http://www.w3.org/2000/svg" role="img" aria-labelledby="chart-title" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}">`,
    '<title id="chart-title">Verdicts per suite and device</title>',
    `<g class="legend">${legend}</g>`,
    rows,
    '</svg>',
  ].join('\n');
}

/** The page's stylesheet (inline: labs are offline, and the CSP forbids anything remote). */
export const STYLE = `
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
