/**
 * `npm run bench`: microbenchmarks of the spine's and the scan engine's hot paths, then
 * trustlab scan against nmap in a network namespace, and one TLS endpoint audit against sslscan.
 * Prints markdown tables for BENCHMARKS.md.
 */
import { runEngineMicro } from './engine-micro.ts';
import { runFuzzBench } from './fuzz-rate.ts';
import { runMicro } from './micro.ts';
import { runScanVsNmap, type Scenario } from './scan-vs-nmap.ts';
import { runTlsVsSslscan } from './tls-vs-sslscan.ts';
import { runPasswordsVsHydra } from './passwords-vs-hydra.ts';

const table = (rows: { name: string; opsPerSec: number; meanUs: number }[]): void => {
  console.log('| task | ops/s | mean (us) |\n| --- | ---: | ---: |');
  for (const r of rows) console.log(`| ${r.name} | ${r.opsPerSec} | ${r.meanUs} |`);
};
console.log('## Microbenchmarks (tinybench): run spine\n');
table(await runMicro());
console.log('\n## Microbenchmarks (tinybench): scan engine\n');
table(await runEngineMicro());

const ratio = (a: number, b: number | undefined): string => (b ? (a / b).toFixed(2) : '-');
const macro = await runScanVsNmap(Number(process.env.BENCH_RUNS ?? 3));
console.log('\n## trustlab scan vs nmap (same run, network namespace, medians)\n');
if ('skipped' in macro) console.log(`skipped: ${macro.skipped}`);
else {
  const one = (s: Scenario, tool: string): number | undefined => s.results.find((r) => r.tool === tool)?.ms;
  const single = macro.scenarios[0]!;
  console.log(`Default probe backend: ${macro.backend}.\n`);
  for (const s of macro.scenarios) {
    console.log(`### ${s.name}\n`);
    console.log('| tool | median (ms) | runs | / nmap -T4 | / nmap tuned | peak RSS (MB) | open ports missed | false open |\n| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
    for (const r of s.results) {
      console.log(`| ${r.tool} | ${r.ms} | ${r.runs} | ${ratio(r.ms, one(s, 'nmap -sT -T4'))} | ${ratio(r.ms, one(s, 'nmap tuned'))} | ${r.peakRssMb} | ${r.missed} | ${r.falseOpen} |`);
    }
    if (s !== single) {
      const eight = s.results.map((r) => `${r.tool} ${ratio(r.ms, one(single, r.tool))}x`).join('; ');
      if (s.name.startsWith('(c)')) console.log(`\nEight at once vs one (scenario a): ${eight}`);
    }
    console.log('');
  }
}

const tls = await runTlsVsSslscan(Number(process.env.BENCH_RUNS ?? 3));
console.log('## TLS endpoint audit vs sslscan (same run, loopback, medians)\n');
if ('skipped' in tls) console.log(`skipped: ${tls.skipped}`);
else {
  console.log('| trustlab process (ms) | audit alone (ms) | sslscan (ms) | ratio process | ratio audit | versions agree | suites per version (trustlab/sslscan) |\n| ---: | ---: | ---: | ---: | ---: | --- | --- |');
  console.log(`| ${tls.trustlabMs} | ${tls.auditMs} | ${tls.sslscanMs} | ${tls.ratio} | ${tls.auditRatio} | ${tls.versionsAgree ? 'yes' : 'NO'} | ${tls.detail}${tls.suitesAgree ? '' : ' (DIFFER)'} |`);
}

// Default-passwords (issue 4): the corpus on a real-daemon device vs hydra, same run.
const hydra = await runPasswordsVsHydra();
console.log('\n## Default-password corpus vs hydra (same run, real daemons in a network namespace)\n');
if ('skipped' in hydra) console.log(`skipped: ${hydra.skipped}`);
else {
  console.log('| service | list | trustlab (ms) | hydra -t 4 (ms) | trustlab found | hydra found | recall trustlab | recall hydra |\n| --- | ---: | ---: | ---: | --- | --- | ---: | ---: |');
  for (const r of hydra.rows) console.log(`| ${r.service} | ${r.list} | ${r.trustlabMs} | ${r.hydraMs} | ${r.trustlabFound.join(' ') || '-'} | ${r.hydraFound.join(' ') || '-'} | ${r.trustlabRecall} | ${r.hydraRecall} |`);
  console.log(`\nTotal wall time: trustlab ${hydra.trustlabTotalMs} ms (three services at once), hydra ${hydra.hydraTotalMs} ms (one service after another); ratio ${hydra.ratio}.`);
}

const fz = await runFuzzBench(Number(process.env.BENCH_RUNS ?? 3));
console.log('\n## Fuzzer (loopback, devices in their own process, medians)\n');
console.log('| target | liveness check every | cases/s (median) | runs | crashes reported |\n| --- | ---: | ---: | --- | ---: |');
for (const r of fz.rates) console.log(`| ${r.target} | ${r.liveEvery} case(s) | ${r.casesPerSecond} | ${r.runs.join(', ')} | ${r.crashes} |`);
console.log('\n| fragile service | time to first crash detected (ms, median) | cases before | triage (ms) | bucket |\n| --- | ---: | ---: | ---: | --- |');
for (const f of fz.firstCrash) console.log(`| ${f.protocol} | ${f.firstCrashMs} | ${f.casesBefore} | ${f.triageMs} | ${f.bucket} |`);
