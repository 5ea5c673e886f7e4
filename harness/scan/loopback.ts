/**
 * Loopback and namespace facts the scan guard rails need: a full-range scan of the host's own
 * loopback would meet services that are not on the bench, so it is allowed only inside a
 * network namespace the harness made.
 */
import net from 'node:net';
import { currentNamespace } from '../netns/reexec.ts';

/** True for 127.0.0.0/8 and ::1. */
export function isLoopback(address: string): boolean {
  if (net.isIPv4(address)) return address.startsWith('127.');
  return address === '::1' || address === '0:0:0:0:0:0:0:1';
}

/** The namespace this process was re-executed into, if any (set by harness/netns). */
export const insideNamespace: () => string | undefined = currentNamespace;
