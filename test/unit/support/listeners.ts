/**
 * Test support: TCP listeners on loopback ports that accept and drop each connection, for
 * scanner contract tests. Ports 61000-61199 lie above Linux's ephemeral range (32768-60999),
 * so no client socket or `listen(0)` elsewhere lands there and closed ports stay closed.
 */
import net from 'node:net';

export const SCAN_TEST_PORTS = Array.from({ length: 200 }, (_, i) => 61000 + i);
export const SCAN_TEST_LISTENING = [61013, 61100, 61187];

/** Listen on each port of host; returns a function that closes them all. */
export async function listenOn(host: string, ports: readonly number[]): Promise<() => Promise<void>> {
  const servers: net.Server[] = [];
  for (const port of ports) {
    const s = net.createServer((sock) => sock.destroy());
    await new Promise<void>((resolve, reject) => {
      s.once('error', reject);
      s.listen({ port, host }, resolve);
    });
    servers.push(s);
  }
  return async () => {
    await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  };
}
