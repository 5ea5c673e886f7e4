/**
 * Bugs the fuzzer was not written against: two test-only services with flaws of their own
 * (an MQTT broker that reads a PINGREQ body it never allocated; a CoAP server that copies the
 * Uri-Query into a 32-byte buffer). The generic strategies must find and reproduce both.
 */
import type dgram from 'node:dgram';
import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { fuzz, FUZZ_DEFAULTS } from '../../../harness/fuzz/index.ts';
import { scopeFromAddresses } from '../../../harness/scope/guard.ts';
import { runFragile } from '../../../harness/virtual-bench/fragile-firmware.ts';
import { bindUdp, closeTcp, closeUdp, ConnectionTracker, listenTcp, type RunningService } from '../../../harness/virtual-bench/lifecycle.ts';

const TIMING = { rebootAfterMs: 50, watchdogMs: 1500 };

function pingBodyBroker(address: string): Promise<RunningService> {
  const target = { deviceId: 't', address, port: 1883, service: 'mqtt' };
  return runFragile(target, TIMING, (fw) => async () => {
    const tracker = new ConnectionTracker();
    const server = net.createServer((socket) => {
      let buf = Buffer.alloc(0);
      socket.on('data', (d: Buffer) => {
        buf = Buffer.concat([buf, d]);
        while (buf.length >= 2) {
          if (buf[1]! & 0x80) return void socket.destroy(); // single-byte lengths only, like a tiny broker
          const end = 2 + buf[1]!;
          if (buf.length < end) return;
          const type = buf[0]! >> 4;
          const bodyLength = buf[1]!;
          buf = buf.subarray(end);
          if (type === 1) socket.write(Buffer.from([0x20, 0x02, 0x00, 0x00]));
          else if (type === 12 && bodyLength > 0) return fw.crash('ping-with-body');
          else if (type === 12) socket.write(Buffer.from([0xd0, 0x00]));
          else if (type === 14) return void socket.end();
        }
      });
    });
    await listenTcp(server, target, tracker);
    return () => closeTcp(server, tracker);
  });
}

function queryCopyServer(address: string): Promise<RunningService> {
  const target = { deviceId: 't', address, port: 5683, service: 'coap' };
  return runFragile(target, TIMING, (fw) => async () => {
    const socket: dgram.Socket = await bindUdp(target);
    socket.on('message', (m: Buffer, from) => {
      // Reads past the datagram throw RangeError here: this test server ignores them (its only flaw is the strcpy).
      try {
        handle(m, from);
      } catch {
        /* ignored */
      }
    });
    const handle = (m: Buffer, from: dgram.RemoteInfo): void => {
      if (m.length < 4 || m[0]! >> 6 !== 1 || (m[0]! & 0x0f) > 8) return;
      let at = 4 + (m[0]! & 0x0f);
      let number = 0;
      while (at < m.length && m[at] !== 0xff) {
        const delta = m[at]! >> 4;
        const len = m[at]! & 0x0f;
        at += 1;
        const d = delta === 13 ? 13 + m[at++]! : delta === 14 ? 269 + m.readUInt16BE((at += 2) - 2) : delta;
        const l = len === 13 ? 13 + m[at++]! : len === 14 ? 269 + m.readUInt16BE((at += 2) - 2) : len;
        if (delta === 15 || len === 15 || at + l > m.length) return;
        number += d;
        if (number === 15 && l > 32) return fw.crash('uri-query-strcpy');
        at += l;
      }
      // ACK 2.05 with the request's id and token.
      const tkl = m[0]! & 0x0f;
      socket.send(Buffer.concat([Buffer.from([0x60 | tkl, 0x45, m[2]!, m[3]!]), m.subarray(4, 4 + tkl)]), from.port, from.address);
    };
    return () => closeUdp(socket);
  });
}

describe('bugs the fuzzer was not written against', () => {
  it.each([
    ['mqtt', 1883, pingBodyBroker, '127.97.4.1'],
    ['coap', 5683, queryCopyServer, '127.97.4.2'],
  ] as const)('%s: finds and reproduces the flaw', async (protocol, port, start, address) => {
    const service = await start(address);
    try {
      const r = await fuzz({ ...FUZZ_DEFAULTS, protocol, guard: scopeFromAddresses([address]), address, port, seed: 21, maxCases: 200_000, timeBudgetMs: 20_000, minimise: false, rebootWaitMs: 3000 });
      expect(r.crashes, JSON.stringify({ ...r, crashes: undefined })).toHaveLength(1);
      expect(r.crashes[0]).toMatchObject({ isolated: true, reproduced: true, kind: 'reboot' });
    } finally {
      await service.stop();
    }
  }, 40_000);
});
