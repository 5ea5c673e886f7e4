/**
 * One full TLS endpoint audit as a process (what the encryption suite does per endpoint):
 * versions, suites per version, groups, certificate chain. Prints a JSON summary; timed as a
 * whole process against sslscan by tls-vs-sslscan.ts.
 */
import { scanTlsEndpoint } from '../../adapters/tls/endpoint.ts';
import { scopeFromAddresses } from '../../harness/scope/guard.ts';

const [address, portText] = process.argv.slice(2);
if (!address || !portText) throw new Error('usage: tls-audit-entry.ts ADDRESS PORT');
const started = performance.now();
const report = await scanTlsEndpoint({ guard: scopeFromAddresses([address]), address, port: Number(portText) });
const accepted = report.versions.filter((v) => v.accepted).map((v) => v.version);
const suites = Object.fromEntries(Object.entries(report.suites).map(([v, list]) => [v, list?.length ?? 0]));
// The audit alone, without Node's and the TypeScript loader's start-up (~0.23 s here).
const auditMs = Math.round(performance.now() - started);
process.stdout.write(`${JSON.stringify({ accepted, suites, probes: report.probes, chain: report.chain.length, auditMs })}\n`);
