/**
 * Readiness of the bench daemons, checked from inside the namespace (the only place their
 * addresses exist). One short-lived node process polls every TCP port by connecting and every
 * CoAP endpoint with a GET /.well-known/core, until all answer or the deadline passes.
 */
import type { Namespace } from '../../harness/netns/namespace.ts';
import { TrustlabError } from '../../harness/errors.ts';

/** One host:port the bench must answer on. */
export interface Endpoint {
  host: string;
  port: number;
}

/** What did not answer by the deadline. */
export interface NotReady {
  tcp: Endpoint[];
  coap: Endpoint[];
}

// Runs inside the namespace. argv: JSON {tcp, coap}, deadline in ms. Prints JSON NotReady.
// The CoAP probe is a confirmable GET /.well-known/core (RFC 7252 / RFC 6690): any datagram
// back from the server's address means it is serving.
const POLLER = `
const net = require('node:net');
const dgram = require('node:dgram');
const { tcp, coap } = JSON.parse(process.argv[1]);
const deadline = Date.now() + Number(process.argv[2]);
const pendingTcp = new Set(tcp.map((t) => JSON.stringify(t)));
const pendingCoap = new Set(coap.map((t) => JSON.stringify(t)));
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
function tryTcp(key) {
  const { host, port } = JSON.parse(key);
  return new Promise((resolve) => {
    const s = net.connect({ host, port });
    const end = (ok) => { s.destroy(); if (ok) pendingTcp.delete(key); resolve(); };
    s.setTimeout(500, () => end(false));
    s.once('connect', () => end(true));
    s.once('error', () => end(false));
  });
}
const sock = dgram.createSocket('udp4');
sock.on('message', (_m, rinfo) => pendingCoap.delete(JSON.stringify({ host: rinfo.address, port: rinfo.port })));
sock.on('error', () => {});
const path = ['.well-known', 'core'].map((p) => Buffer.concat([Buffer.from([p === 'core' ? p.length : 0xb0 | p.length]), Buffer.from(p)]));
let mid = 1;
function sendCoap(key) {
  const { host, port } = JSON.parse(key);
  mid = (mid + 1) & 0xffff;
  const msg = Buffer.concat([Buffer.from([0x40, 0x01, mid >> 8, mid & 0xff]), ...path]);
  sock.send(msg, port, host);
}
(async () => {
  while ((pendingTcp.size || pendingCoap.size) && Date.now() < deadline) {
    for (const key of pendingCoap) sendCoap(key);
    await Promise.all([...pendingTcp].map(tryTcp));
    if (pendingTcp.size || pendingCoap.size) await sleep(100);
  }
  sock.close();
  const left = (set) => [...set].map((k) => JSON.parse(k));
  console.log(JSON.stringify({ tcp: left(pendingTcp), coap: left(pendingCoap) }));
})();
`;

/** Poll until every TCP endpoint accepts and every CoAP endpoint answers; resolve what did not. */
export async function waitReady(
  ns: Namespace,
  targets: { tcp: Endpoint[]; coap: Endpoint[] },
  deadlineMs: number,
): Promise<NotReady> {
  const res = await ns.run(process.execPath, ['-e', POLLER, JSON.stringify(targets), String(deadlineMs)], {
    timeoutMs: deadlineMs + 5000,
  });
  try {
    return JSON.parse(res.stdout) as NotReady;
  } catch (e) {
    throw new TrustlabError('TL_BENCH', `the readiness poller failed (exit ${res.code})`, {
      details: [res.stderr.trim()].filter(Boolean),
      cause: e,
    });
  }
}
