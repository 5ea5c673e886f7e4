/**
 * `npm run bench`: microbenchmarks of the spine's hot paths, then trustlab scan against nmap
 * in a network namespace. Prints markdown tables to paste into BENCHMARKS.md.
 */
import { runMicro } from './micro.ts';
import { runScanVsNmap } from './scan-vs-nmap.ts';

const micro = await runMicro();
console.log('## Microbenchmarks (tinybench)\n\n| task | ops/s | mean (us) |\n| --- | ---: | ---: |');
for (const r of micro) console.log(`| ${r.name} | ${r.opsPerSec} | ${r.meanUs} |`);

const macro = await runScanVsNmap(Number(process.env.BENCH_RUNS ?? 3));
console.log('\n## trustlab scan vs nmap (same run, network namespace, medians)\n');
if ('skipped' in macro) console.log(`skipped: ${macro.skipped}`);
else {
  console.log('| scenario | trustlab (ms) | peer | peer (ms) | ratio trustlab/peer | open ports agree |\n| --- | ---: | --- | ---: | ---: | --- |');
  for (const r of macro.rows) console.log(`| ${r.scenario} | ${r.trustlabMs} | ${r.peer} | ${r.peerMs} | ${r.ratio} | ${r.agree ? 'yes' : 'NO'} |`);
}
