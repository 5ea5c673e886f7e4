/**
 * The default UDP probe list (data/udp-probes.json): which ports a UDP scan covers when none
 * are named, and which request each port gets. Ports outside the table get an empty datagram
 * (as nmap sends), which most services ignore: they can only show as open|filtered or closed.
 */
import { loadTable } from '../plugins/policies.ts';
import { parsePortList } from './ports.ts';
import type { UdpProbeName } from './udp-payloads.ts';

/** One row of the probe table. */
export interface UdpProbeEntry {
  port: number;
  service: string;
  probe: UdpProbeName;
  /** The server may answer from another port (TFTP's new TID, some SSDP stacks). */
  otherPort?: boolean;
  why: string;
  source: string;
}

const table = loadTable<{ version: string; entries: UdpProbeEntry[] }>(new URL('./data/udp-probes.json', import.meta.url));
const byPort = new Map(table.entries.map((e) => [e.port, e]));

/** Version of the probe table, recorded as method evidence. */
export const UDP_PROBE_TABLE_VERSION = table.version;

/** The ports a UDP scan covers by default, ascending. */
export const DEFAULT_UDP_PORTS: readonly number[] = Object.freeze(table.entries.map((e) => e.port).sort((a, b) => a - b));

/** The probe for a port: its table row, or an empty datagram. */
export function udpProbeFor(port: number): UdpProbeEntry {
  return byPort.get(port) ?? { port, service: 'unknown', probe: 'empty', why: 'not in the probe table', source: 'nmap: empty datagram for ports without a payload' };
}

/** Every row (for the integrity test). */
export function udpProbeEntries(): readonly UdpProbeEntry[] {
  return table.entries;
}

/** A UDP port list: "default" (the probe table) or any list parsePortList takes. */
export function parseUdpPortList(spec: string): number[] {
  return spec === 'default' ? [...DEFAULT_UDP_PORTS] : parsePortList(spec);
}
