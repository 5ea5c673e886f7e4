/**
 * The fragile device's MQTT 3.1.1 broker: a hand-written parser in the style of small C
 * firmware, with three planted bugs the fuzzer must find:
 *  - mqtt-client-id-overflow: CONNECT's client id is copied into a 64-byte buffer using the
 *    length field from the packet, unchecked (memcpy(client_id, p, len));
 *  - mqtt-subscribe-topic-oob: once connected, a SUBSCRIBE topic filter length is trusted
 *    past the end of the packet (out-of-bounds read);
 *  - mqtt-publish-qos3: once connected, a PUBLISH with both QoS bits set indexes the QoS
 *    handler table out of range.
 * Everything else is parsed defensively: a malformed packet closes the connection.
 */
import net from 'node:net';
import { runFragile, type FragileTiming, type Firmware } from './fragile-firmware.ts';
import { ConnectionTracker, closeTcp, listenTcp, type BindTarget, type RunningService } from './lifecycle.ts';

const MAX_PACKET = 16_384;
const CLIENT_ID_BUFFER = 64;

function readVarint(buf: Buffer, at: number): { value: number; size: number } | 'incomplete' | 'bad' {
  let value = 0;
  for (let i = 0; i < 4; i++) {
    const b = buf[at + i];
    if (b === undefined) return 'incomplete';
    value += (b & 0x7f) * 128 ** i;
    if ((b & 0x80) === 0) return { value, size: i + 1 };
  }
  return 'bad';
}

/** Handle one complete packet; returns the reply, or 'close' to drop the client. */
function handle(fw: Firmware, state: { connected: boolean }, header: number, p: Buffer): Buffer | 'close' | undefined {
  const type = header >> 4;
  if (!state.connected && type !== 1) return 'close';
  switch (type) {
    case 1: {
      if (state.connected || p.length < 10) return 'close';
      const nameLen = p.readUInt16BE(0);
      if (2 + nameLen + 4 > p.length) return 'close';
      const name = p.subarray(2, 2 + nameLen).toString('latin1');
      const level = p[2 + nameLen]!;
      let at = 2 + nameLen + 4;
      if (name !== 'MQTT' || level !== 4) return Buffer.from([0x20, 0x02, 0x00, 0x01]);
      if (at + 2 > p.length) return 'close';
      const idLen = p.readUInt16BE(at);
      at += 2;
      if (idLen > CLIENT_ID_BUFFER) { fw.crash('mqtt-client-id-overflow'); return undefined; }
      if (at + idLen > p.length) return 'close';
      state.connected = true;
      return Buffer.from([0x20, 0x02, 0x00, 0x00]);
    }
    case 3: {
      const qos = (header >> 1) & 3;
      if (qos === 3) { fw.crash('mqtt-publish-qos3'); return undefined; }
      if (p.length < 2 || 2 + p.readUInt16BE(0) + (qos > 0 ? 2 : 0) > p.length) return 'close';
      if (qos === 0) return undefined;
      const id = p.subarray(2 + p.readUInt16BE(0), 4 + p.readUInt16BE(0));
      return Buffer.concat([Buffer.from([qos === 1 ? 0x40 : 0x50, 0x02]), id]);
    }
    case 8: {
      if ((header & 0x0f) !== 0x02 || p.length < 5) return 'close';
      const granted: number[] = [];
      let at = 2;
      while (at < p.length) {
        if (at + 2 > p.length) return 'close';
        const len = p.readUInt16BE(at);
        if (at + 2 + len > p.length) { fw.crash('mqtt-subscribe-topic-oob'); return undefined; }
        at += 2 + len;
        const qos = p[at];
        if (qos === undefined) return 'close';
        granted.push(qos > 2 ? 0x80 : Math.min(qos, 1));
        at += 1;
      }
      return Buffer.concat([Buffer.from([0x90, 2 + granted.length]), p.subarray(0, 2), Buffer.from(granted)]);
    }
    case 10:
      return p.length >= 2 ? Buffer.concat([Buffer.from([0xb0, 0x02]), p.subarray(0, 2)]) : 'close';
    case 12:
      return Buffer.from([0xd0, 0x00]);
    default:
      return 'close';
  }
}

function serve(fw: Firmware, socket: net.Socket): void {
  const state = { connected: false };
  let buf = Buffer.alloc(0);
  socket.on('data', (d: Buffer) => {
    if (fw.hung) return;
    buf = Buffer.concat([buf, d]);
    while (buf.length >= 2) {
      const rl = readVarint(buf, 1);
      if (rl === 'incomplete') return;
      if (rl === 'bad' || rl.value > MAX_PACKET) return void socket.destroy();
      const end = 1 + rl.size + rl.value;
      if (buf.length < end) return;
      const reply = handle(fw, state, buf[0]!, buf.subarray(1 + rl.size, end));
      buf = buf.subarray(end);
      if (socket.destroyed) return;
      if (reply === 'close') return void socket.destroy();
      if (reply) socket.write(reply);
    }
  });
}

/** Start the fragile MQTT broker on the target. */
export function startFragileMqtt(target: BindTarget, timing: FragileTiming): Promise<RunningService> {
  return runFragile(target, timing, (fw) => async () => {
    const tracker = new ConnectionTracker();
    const server = net.createServer((socket) => serve(fw, socket));
    await listenTcp(server, target, tracker);
    return () => closeTcp(server, tracker);
  });
}
