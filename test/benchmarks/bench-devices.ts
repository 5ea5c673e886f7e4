/**
 * The macro benchmark's bench: one network namespace made for the run, holding emulated
 * devices on loopback addresses. Each device listens on a few ports with busybox (httpd,
 * and telnetd, whose listen backlog is 1); one device drops every other TCP port with nft.
 */
import { createNamespace, type Namespace } from '../../harness/netns/namespace.ts';

/** A device of the bench and the ports it really listens on (the ground truth). */
export interface BenchDevice {
  address: string;
  open: number[];
}

/** The started bench. */
export interface ScanBench {
  ns: Namespace;
  closed: BenchDevice;
  dropped: BenchDevice;
  eight: BenchDevice[];
}

const HTTP_PORTS = [8080, 31337];
const TELNET_PORT = 2323;

async function startDevice(ns: Namespace, address: string): Promise<BenchDevice> {
  for (const port of HTTP_PORTS) ns.spawn('busybox', ['httpd', '-f', '-p', `${address}:${port}`, '-h', '/tmp'], { stdio: 'ignore' });
  // /bin/true as the login program: a connection gets nothing, but the daemon forks as on a device.
  ns.spawn('busybox', ['telnetd', '-F', '-b', address, '-p', String(TELNET_PORT), '-l', '/bin/true'], { stdio: 'ignore' });
  const open = [...HTTP_PORTS, TELNET_PORT].sort((a, b) => a - b);
  for (const port of open) {
    const probe = `for i in $(seq 50); do (echo > /dev/tcp/${address}/${port}) 2>/dev/null && exit 0; sleep 0.1; done; exit 1`;
    const res = await ns.run('bash', ['-c', probe], { timeoutMs: 10_000 });
    if (res.code !== 0) throw new Error(`bench device ${address}:${port} did not start listening`);
  }
  return { address, open };
}

/** Create the namespace and start every device; the caller destroys ns. */
export async function startScanBench(): Promise<ScanBench> {
  const ns = await createNamespace('scanbench');
  try {
    const closed = await startDevice(ns, '127.90.0.1');
    const dropped = await startDevice(ns, '127.90.0.2');
    await ns.dropTcpExcept(dropped.address, dropped.open);
    const eight: BenchDevice[] = [];
    for (let i = 0; i < 8; i++) eight.push(await startDevice(ns, `127.90.1.${i + 1}`));
    return { ns, closed, dropped, eight };
  } catch (e) {
    await ns.destroy();
    throw e;
  }
}
