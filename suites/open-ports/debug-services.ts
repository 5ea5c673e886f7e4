/**
 * CTM-PT-04: debug and legacy remote services (telnet, adb, gdbserver, FTP, vendor
 * diagnostics) must not be enabled in a production build, declared or not. Judged on what
 * listening-services discovered; which services count is data (debug-services.json).
 */
import type { CheckResult } from '../../harness/plugins/types.ts';
import { defineCheck } from '../../harness/plugins/registry.ts';
import { loadTable } from '../../harness/plugins/policies.ts';

const TEST = 'CTM-PT-04';

interface DebugServiceEntry {
  service: string;
  ports: number[];
  why: string;
  source: string;
}
const table = loadTable<{ version: string; entries: DebugServiceEntry[] }>(new URL('./data/debug-services.json', import.meta.url));

/** The debug/legacy entry a discovered service matches: by identified name, else by port. */
export function matchDebugService(service: string | undefined, port: number, identifiedBy: string | undefined): DebugServiceEntry | undefined {
  const byName = table.entries.find((e) => e.service === service);
  if (byName) return byName;
  // A port alone decides only when nothing better identified the service; an ambiguous
  // identification ("smtp-or-ftp") is not better.
  const ambiguous = service?.includes('-or-') === true;
  if (!ambiguous && (identifiedBy === 'banner' || identifiedBy === 'probe' || identifiedBy === 'nmap')) return undefined;
  return table.entries.find((e) => e.ports.includes(port));
}

export default defineCheck({
  version: '1.0.0',
  title: 'No debug or legacy remote services',
  testIds: [TEST],
  needs: [],
  appliesTo: () => true,
  async run(ctx): Promise<CheckResult[]> {
    const discovery = ctx.discovered();
    if (discovery.length === 0 && !ctx.discoveryRan()) {
      return [{ testId: TEST, status: 'inconclusive', summary: 'no discovery results for this device: run open-ports/listening-services first' }];
    }
    const out: CheckResult[] = [];
    for (const s of discovery) {
      if (s.state !== 'open') continue;
      const hit = matchDebugService(s.service, s.port, s.identifiedBy);
      if (!hit) continue;
      out.push({
        testId: TEST,
        status: 'fail',
        target: { transport: s.transport, port: s.port, service: s.service },
        summary: `${hit.service} is enabled on ${s.transport}/${s.port}: ${hit.why}`,
        data: { identifiedBy: s.identifiedBy ?? 'unknown', banner: s.banner, table: table.version, source: hit.source },
      });
    }
    if (out.length === 0) {
      out.push({ testId: TEST, status: 'pass', summary: `none of ${table.entries.map((e) => e.service).join(', ')} found among ${discovery.length} open service(s)`, data: { table: table.version } });
    }
    return out;
  },
});
