/**
 * The fuzz engine: protocol-aware mutation of MQTT, CoAP and HTTP, every case addressable by
 * (seed, index), liveness between cases, crash/hang/reboot detection, bisection, reproduction
 * and minimisation, response feedback, cases per second.
 */
export { caseAt, type FuzzCase } from './case.ts';
export { caseFileName, readCaseFile, writeFuzzResults } from './case-file.ts';
export { fuzz, FUZZ_DEFAULTS, targetUrl } from './engine.ts';
export { FUZZ_PROTOCOLS, type FuzzProtocol } from './protocol.ts';
export { PROTOCOL_MODELS } from './protocols/index.ts';
export { replayCase, type ReplayResult } from './replay.ts';
export { parseTarget, type FuzzTarget } from './target.ts';
export type { CrashRecord, FuzzOptions, FuzzReport } from './types.ts';
