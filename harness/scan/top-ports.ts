/**
 * The TCP ports consumer IoT devices most often expose (remote access, web consoles, video,
 * messaging, vendor and debug services), plus nmap's most common services. A scan probes
 * these first so the device's RTT is measured within a round trip and open services stream
 * out early; `trustlab scan --ports top` scans only these.
 */
import { shuffledPorts } from './ports.ts';

/** Well-known IoT and general-purpose TCP service ports, ascending. */
export const TOP_TCP_PORTS: readonly number[] = Object.freeze([
  7, 9, 13, 21, 22, 23, 25, 37, 53, 79, 80, 81, 82, 88, 106, 110, 111, 113, 119, 135, 139, 143, 144, 179, 199,
  389, 427, 443, 444, 445, 465, 502, 513, 514, 515, 543, 544, 548, 554, 587, 631, 646, 873, 990, 993, 995,
  1025, 1026, 1027, 1028, 1029, 1080, 1110, 1194, 1234, 1433, 1720, 1723, 1755, 1883, 1900, 2000, 2001, 2049,
  2121, 2222, 2323, 2375, 2376, 2717, 3000, 3128, 3306, 3389, 3478, 3689, 3986, 4000, 4040, 4443, 4567, 4899,
  5000, 5001, 5005, 5009, 5051, 5060, 5101, 5190, 5353, 5357, 5432, 5555, 5631, 5666, 5683, 5800, 5900, 6000,
  6001, 6379, 6646, 6666, 6668, 7000, 7070, 7547, 7676, 7777, 8000, 8001, 8008, 8009, 8010, 8031, 8080, 8081,
  8086, 8088, 8443, 8554, 8800, 8880, 8883, 8888, 8899, 9000, 9001, 9090, 9100, 9200, 9443, 9999, 10000,
  10001, 32764, 32768, 37777, 49152, 49153, 49154, 49155, 49156, 49157, 50000, 51413, 55443, 62078,
]);

/**
 * The order a scan probes ports in: those of TOP_TCP_PORTS first, then the rest, each part
 * shuffled with the seed (a device's rate limiter sees no sequential sweep either way).
 */
export function scanOrder(ports: readonly number[], seed: number): { order: number[]; topCount: number } {
  const top = new Set(TOP_TCP_PORTS);
  const first: number[] = [];
  const rest: number[] = [];
  for (const p of ports) (top.has(p) ? first : rest).push(p);
  return { order: [...shuffledPorts(first, seed), ...shuffledPorts(rest, seed + 1)], topCount: first.length };
}
