/**
 * What the engine needs to know about one protocol: valid starting sequences (as block-model
 * messages), a liveness probe and what proves the service alive, and a coarse signature of a
 * reply for feedback (a new signature keeps the input for further mutation).
 */
import type { Rng } from './rng.ts';
import type { Message } from './segments.ts';

/** The protocols the fuzzer speaks. */
export type FuzzProtocol = 'mqtt' | 'coap' | 'http';
export const FUZZ_PROTOCOLS: readonly FuzzProtocol[] = ['mqtt', 'coap', 'http'];

/** A valid sequence to start from. */
export interface Template {
  label: string;
  messages: Message[];
}

/** One protocol's knowledge. */
export interface ProtocolModel {
  name: FuzzProtocol;
  transport: 'tcp' | 'udp';
  defaultPort: number;
  /** A valid sequence, chosen by rng (deeper states: CONNECT then SUBSCRIBE, block transfers). */
  template(rng: Rng): Template;
  /** Bytes of a liveness probe; `id` varies per probe (CoAP message id, MQTT client id). */
  livenessProbe(id: number): Buffer;
  /** True when the bytes received answer the probe like a working service. */
  provesAlive(reply: Buffer, id: number): boolean;
  /** True when the message type tells bugs apart (MQTT packet types); false for request methods. */
  bucketByLabel: boolean;
  /** A coarse shape of one reply: kind, codes, field presence; never timing or random ids. */
  signature(reply: Buffer): string;
}
