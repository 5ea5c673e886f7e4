/** The UDP scanner interface, beside the TCP one in types.ts. */
import type { ScanRequestBase, ScanResultOf } from './types.ts';

/** open: a datagram came back; closed: ICMP port unreachable; open|filtered: silence on every attempt. */
export type UdpPortState = 'open' | 'closed' | 'open|filtered';

export interface UdpPortResult {
  port: number;
  state: UdpPortState;
  /** The service: named by the probe it answered (identifiedBy "probe"), or by the port table ("port"). */
  service?: string;
  identifiedBy?: 'probe' | 'port';
  /** The answer, printable and bounded: what the service disclosed unauthenticated. */
  reply?: string;
  /** Probes sent to the port. */
  attempts: number;
  rttMs?: number;
}

export interface UdpScanRequest extends ScanRequestBase {
  /** Ports probed at once at most (also bounded by the budget's sockets). */
  maxParallel?: number;
  /** Each port's final state as soon as it is known; open|filtered ones at the end. */
  onResult?(result: UdpPortResult): void;
}

/** Open and open|filtered ports in `notClosed`; closed ones only counted. */
export type UdpScanResult = ScanResultOf<UdpPortState, UdpPortResult>;
