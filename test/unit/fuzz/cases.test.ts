/**
 * Pure logic of the fuzz engine: (seed, index) addressing, the case tree, the block model
 * against the real generators (mqtt-packet, coap-packet), ddmin and the feedback scheduler.
 */
import coapPacket from 'coap-packet';
import mqttPacket from 'mqtt-packet';
import { describe, expect, it } from 'vitest';
import { caseAt, childOf, FANOUT, parentOf } from '../../../harness/fuzz/case.ts';
import { ddmin } from '../../../harness/fuzz/ddmin.ts';
import { FeedbackScheduler } from '../../../harness/fuzz/feedback.ts';
import { MAX_MESSAGE_BYTES } from '../../../harness/fuzz/mutators.ts';
import { dissectCoap } from '../../../harness/fuzz/protocols/coap.ts';
import { PROTOCOL_MODELS } from '../../../harness/fuzz/protocols/index.ts';
import { dissectMqtt } from '../../../harness/fuzz/protocols/mqtt.ts';
import { rngFor } from '../../../harness/fuzz/rng.ts';
import { coapOptionHeader, encodeVarint, serialise } from '../../../harness/fuzz/segments.ts';
import { parseTarget } from '../../../harness/fuzz/target.ts';

const hexOf = (bs: Buffer[]): string => bs.map((b) => b.toString('hex')).join('|');

describe('case addressing', () => {
  it('gives the same bytes for the same (seed, index), whatever was built before', () => {
    for (const model of Object.values(PROTOCOL_MODELS)) {
      const shared = new Map();
      for (const i of [0, 1, 63, 64, 5000, 262_143, 4_000_000_000]) caseAt(model, 9, i, shared);
      for (const i of [0, 1, 63, 64, 5000, 262_143, 4_000_000_000]) {
        expect(hexOf(caseAt(model, 9, i).bytes)).toBe(hexOf(caseAt(model, 9, i, shared).bytes));
      }
    }
  });

  it('differs between indices and between seeds', () => {
    const m = PROTOCOL_MODELS.mqtt;
    const seen = new Set<string>();
    for (let i = 0; i < 200; i++) seen.add(hexOf(caseAt(m, 1, i).bytes));
    expect(seen.size).toBeGreaterThan(180);
    let same = 0;
    for (let i = 0; i < 100; i++) if (hexOf(caseAt(m, 1, i).bytes) === hexOf(caseAt(m, 2, i).bytes)) same++;
    expect(same).toBeLessThan(10);
  });

  it('forms a tree: every index above the roots has one parent, and it is the child of that parent', () => {
    for (const i of [64, 65, 127, 128, 4159, 4160, 1_000_003, 2 ** 40 + 17]) {
      const p = parentOf(i)!;
      expect(childOf(p, i - (p + 1) * FANOUT)).toBe(i);
    }
    expect(parentOf(63)).toBeUndefined();
    const derived = caseAt(PROTOCOL_MODELS.http, 3, 70_000);
    if (derived.lineage.length > 0) expect(derived.lineage[0]).toBe(parentOf(70_000));
  });

  it('never builds a message past the size bound', () => {
    const cache = new Map();
    for (const model of Object.values(PROTOCOL_MODELS)) {
      for (let i = 0; i < 3000; i += 7) for (const b of caseAt(model, 5, i, cache).bytes) expect(b.length).toBeLessThanOrEqual(MAX_MESSAGE_BYTES);
    }
  });

  it('draws random numbers as a pure function of (seed, index, stream)', () => {
    expect(rngFor(1, 2).bytes(16)).toEqual(rngFor(1, 2).bytes(16));
    expect(rngFor(1, 2).bytes(16)).not.toEqual(rngFor(1, 3).bytes(16));
    expect(rngFor(1, 2, 0).bytes(16)).not.toEqual(rngFor(1, 2, 1).bytes(16));
  });
});

describe('block model', () => {
  it('re-serialises what mqtt-packet generates byte for byte', () => {
    const packets = [
      { cmd: 'connect', protocolId: 'MQTT', protocolVersion: 4, clean: true, keepalive: 10, clientId: 'abc', username: 'u', password: Buffer.from('p'), will: { topic: 't', payload: Buffer.from('x'), qos: 1, retain: false } },
      { cmd: 'subscribe', messageId: 7, subscriptions: [{ topic: 'a/#', qos: 1 }, { topic: 'b', qos: 0 }] },
      { cmd: 'publish', topic: 'x/y', payload: Buffer.alloc(300, 1), qos: 1, messageId: 9, retain: false, dup: false },
      { cmd: 'unsubscribe', messageId: 3, unsubscriptions: ['q'] },
      { cmd: 'pingreq' },
    ] as const;
    for (const p of packets) {
      const bytes = mqttPacket.generate(p as never);
      expect(serialise(dissectMqtt(bytes)).toString('hex')).toBe(bytes.toString('hex'));
    }
  });

  it('re-serialises what coap-packet generates, option deltas and extensions included', () => {
    const bytes = coapPacket.generate({
      code: 'PUT', messageId: 77, token: Buffer.from([1, 2, 3, 4]), confirmable: true,
      options: [{ name: 'Uri-Path', value: Buffer.from('fw') }, { name: 'Block1', value: Buffer.from([0x18]) }, { name: 'Size1', value: Buffer.from([200]) }, { name: 'Proxy-Uri', value: Buffer.alloc(300, 0x61) }],
      payload: Buffer.from('{}'),
    });
    expect(serialise(dissectCoap(bytes)).toString('hex')).toBe(bytes.toString('hex'));
  });

  it('encodes varints and CoAP option headers at their boundaries', () => {
    expect(encodeVarint(127).toString('hex')).toBe('7f');
    expect(encodeVarint(128).toString('hex')).toBe('8001');
    expect(encodeVarint(268_435_455).toString('hex')).toBe('ffffff7f');
    expect(coapOptionHeader(12, 0).toString('hex')).toBe('c0');
    expect(coapOptionHeader(13, 1).toString('hex')).toBe('d100');
    expect(coapOptionHeader(269, 13).toString('hex')).toBe('ed000000');
  });
});

describe('ddmin', () => {
  it('finds the two units that together make the test fail', async () => {
    const input = Array.from({ length: 64 }, (_, i) => i);
    const { result } = await ddmin(input, async (c) => c.includes(17) && c.includes(40), 500);
    expect(result).toEqual([17, 40]);
  });

  it('stops at its test budget with a failing input', async () => {
    const input = Array.from({ length: 64 }, (_, i) => i);
    const { result, tests } = await ddmin(input, async (c) => c.includes(5), 3);
    expect(tests).toBeLessThanOrEqual(3);
    expect(result).toContain(5);
  });
});

describe('feedback scheduler', () => {
  it('runs children of a case with a new reply shape before the breadth-first walk reaches them', () => {
    const s = new FeedbackScheduler();
    const first = [s.next(), s.next(), s.next()];
    expect(first).toEqual([0, 1, 2]);
    expect(s.observe(2, 'CONNACK rc=0')).toBe(true);
    expect(s.observe(1, 'CONNACK rc=0')).toBe(false);
    const next = Array.from({ length: 6 }, () => s.next());
    expect(next.filter((i) => parentOf(i) === 2).length).toBe(3);
    expect(new Set(next).size).toBe(next.length);
  });
});

describe('targets', () => {
  it('parses protocol, address and port, and refuses names', () => {
    expect(parseTarget('mqtt://127.0.0.1:1884')).toEqual({ protocol: 'mqtt', address: '127.0.0.1', port: 1884 });
    expect(parseTarget('coap://[::1]')).toEqual({ protocol: 'coap', address: '::1', port: 5683 });
    expect(() => parseTarget('http://device.local:80')).toThrow(/not an IP address/);
    expect(() => parseTarget('ftp://127.0.0.1:21')).toThrow(/mqtt:\/\//);
  });
});
