/**
 * MQTT 3.1.1 (OASIS, 2014): valid packets come from mqtt-packet's generator and are dissected
 * into the block model (fixed header, remaining length, the u16-prefixed strings, flags), so
 * every length the parser under test trusts is a field the mutators can lie in.
 */
import mqttPacket, { type Packet } from 'mqtt-packet';
import type { ProtocolModel, Template } from '../protocol.ts';
import type { Rng } from '../rng.ts';
import { bytes, length, type Message, type Segment } from '../segments.ts';

const PACKET_NAMES = ['RESERVED', 'CONNECT', 'CONNACK', 'PUBLISH', 'PUBACK', 'PUBREC', 'PUBREL', 'PUBCOMP', 'SUBSCRIBE', 'SUBACK', 'UNSUBSCRIBE', 'UNSUBACK', 'PINGREQ', 'PINGRESP', 'DISCONNECT', 'AUTH'];

/** Read MQTT's remaining-length varint at `at`: value and bytes used (undefined when malformed). */
export function readVarint(buf: Buffer, at: number): { value: number; size: number } | undefined {
  let value = 0;
  for (let i = 0; i < 4; i++) {
    const b = buf[at + i];
    if (b === undefined) return undefined;
    value += (b & 0x7f) * 128 ** i;
    if ((b & 0x80) === 0) return { value, size: i + 1 };
  }
  return undefined;
}

/** Split `body` into u16-prefixed strings named by `names`, the rest as a payload. */
function prefixedStrings(body: Buffer, names: string[], segments: Segment[]): Buffer {
  let rest = body;
  for (const name of names) {
    if (rest.length < 2) break;
    const n = rest.readUInt16BE(0);
    segments.push(length(`${name}-len`, 'u16', [name]), bytes(name, 'string', rest.subarray(2, 2 + n)));
    rest = rest.subarray(2 + n);
  }
  return rest;
}

/** Dissect one generated MQTT packet into segments. */
export function dissectMqtt(buf: Buffer): Message {
  const type = buf[0]! >> 4;
  const rl = readVarint(buf, 1)!;
  let body = buf.subarray(1 + rl.size);
  const segs: Segment[] = [];
  if (type === 1) {
    const flags = body[8]!;
    body = prefixedStrings(body, ['protocol'], segs);
    segs.push(bytes('level', 'number', body.subarray(0, 1)), bytes('connect-flags', 'flags', body.subarray(1, 2)), bytes('keepalive', 'number', body.subarray(2, 4)));
    const names = ['client-id', ...(flags & 0x04 ? ['will-topic', 'will-message'] : []), ...(flags & 0x80 ? ['username'] : []), ...(flags & 0x40 ? ['password'] : [])];
    body = prefixedStrings(body.subarray(4), names, segs);
  } else if (type === 3) {
    body = prefixedStrings(body, ['topic'], segs);
    if (((buf[0]! >> 1) & 3) > 0) { segs.push(bytes('packet-id', 'number', body.subarray(0, 2))); body = body.subarray(2); }
    segs.push(bytes('payload', 'payload', body));
    body = Buffer.alloc(0);
  } else if (type === 8 || type === 10) {
    segs.push(bytes('packet-id', 'number', body.subarray(0, 2)));
    body = body.subarray(2);
    for (let k = 0; body.length >= 2; k++) {
      body = prefixedStrings(body, [`filter${k}`], segs);
      if (type === 8 && body.length > 0) { segs.push(bytes(`qos${k}`, 'flags', body.subarray(0, 1))); body = body.subarray(1); }
    }
  }
  if (body.length > 0) segs.push(bytes('body', 'payload', body));
  const covered = segs.map((s) => s.name);
  return { label: PACKET_NAMES[type]!, segments: [bytes('fixed-header', 'type', buf.subarray(0, 1)), length('remaining-length', 'varint', covered), ...segs] };
}

const gen = (p: Packet): Message => dissectMqtt(mqttPacket.generate(p));

function connect(rng: Rng): Packet {
  const base = { cmd: 'connect' as const, protocolId: 'MQTT' as const, protocolVersion: 4 as const, clean: true, keepalive: rng.pick([0, 10, 60, 65535]), clientId: `trustlab-${rng.int(1_000_000)}` };
  const extra = rng.int(4);
  if (extra === 1) return { ...base, username: 'user', password: Buffer.from('password') };
  if (extra === 2) return { ...base, will: { topic: 'devices/last-will', payload: Buffer.from('offline'), qos: 1, retain: false } };
  return base;
}

/** The MQTT knowledge of the fuzzer. */
export const mqttModel: ProtocolModel = {
  name: 'mqtt',
  transport: 'tcp',
  defaultPort: 1883,
  bucketByLabel: true,
  template(rng): Template {
    const c = gen(connect(rng));
    const topic = rng.pick(['devices/status', 'a/b/c', '#', '+/config', '$SYS/broker/version']);
    switch (rng.int(6)) {
      case 0: return { label: 'CONNECT', messages: [c] };
      case 1: return { label: 'CONNECT, SUBSCRIBE', messages: [c, gen({ cmd: 'subscribe', messageId: 1 + rng.int(65535), subscriptions: [{ topic, qos: rng.pick([0, 1, 2] as const) }] })] };
      case 2: {
        const qos = rng.pick([0, 1, 2] as const);
        return { label: 'CONNECT, PUBLISH', messages: [c, gen({ cmd: 'publish', topic: topic.replace(/[#+]/g, 'x'), payload: Buffer.from('{"on":true}'), qos, retain: false, dup: false, ...(qos > 0 ? { messageId: 1 + rng.int(65535) } : {}) })] };
      }
      case 3: return { label: 'CONNECT, UNSUBSCRIBE', messages: [c, gen({ cmd: 'unsubscribe', messageId: 1 + rng.int(65535), unsubscriptions: [topic] })] };
      case 4: return { label: 'CONNECT, PINGREQ', messages: [c, gen({ cmd: 'pingreq' })] };
      default: return {
        label: 'CONNECT, SUBSCRIBE, PUBLISH',
        messages: [c, gen({ cmd: 'subscribe', messageId: 7, subscriptions: [{ topic: 'fuzz/#', qos: 1 }] }), gen({ cmd: 'publish', topic: 'fuzz/x', payload: Buffer.from('hello'), qos: 1, messageId: 8, retain: false, dup: false })],
      };
    }
  },
  livenessProbe(id) {
    return mqttPacket.generate({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: 4, clean: true, keepalive: 10, clientId: `trustlab-live-${id}` });
  },
  // Any CONNACK is an answer, whatever its return code (a broker that wants a password is alive).
  provesAlive: (reply) => reply.length >= 4 && reply[0] === 0x20 && reply[1] === 0x02,
  signature(reply) {
    if (reply.length === 0) return 'none';
    const type = reply[0]! >> 4;
    const name = PACKET_NAMES[type] ?? '?';
    // CONNACK return code and SUBACK granted QoS values are what differ between parser paths.
    if (type === 2) return `CONNACK rc=${reply[3] ?? '-'}`;
    if (type === 9) return `SUBACK ${reply.subarray(4, 8).toString('hex')}`;
    return `${name}/${reply[0]! & 0x0f} len~${Math.min(8, Math.ceil(Math.log2(reply.length + 1)))}`;
  },
};
