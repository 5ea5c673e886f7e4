/**
 * MQTT CONNECT with and without credentials, MQTT 3.1.1 and 5, over a guarded socket (or TLS
 * on top of it for 8883). Packets are built and parsed by mqtt-packet, MQTT.js's own codec, so
 * the CONNACK return code (3.1.1) or reason code (5) is read exactly as the broker sent it.
 */
import tls from 'node:tls';
import mqttPacket from 'mqtt-packet';
import { guardedConnect } from '../../harness/scope/guard.ts';
import { TrustlabError } from '../../harness/errors.ts';
import { ADAPTER_API_VERSION, type AdapterPlugin, type LoginCredential, type LoginResult, type LoginTarget } from '../../harness/plugins/types.ts';

/** The MQTT adapter's metadata. */
export const mqttAdapter: AdapterPlugin = {
  apiVersion: ADAPTER_API_VERSION, id: 'mqtt', version: '1.0.0', title: 'MQTT CONNECT (3.1.1 and 5)', protocols: ['mqtt', 'mqtts'],
};

/** An MQTT endpoint. */
export interface MqttTarget extends LoginTarget {
  tls?: boolean;
  protocolVersion?: 4 | 5;
}

/** What a CONNECT came to. */
export interface ConnackAnswer {
  /** CONNACK return code (3.1.1) or reason code (5); undefined when none came. */
  code?: number;
  outcome: LoginResult['outcome'];
  detail: string;
}

const V4: Record<number, string> = { 0: 'accepted', 1: 'unacceptable protocol version', 2: 'identifier rejected', 3: 'server unavailable', 4: 'bad username or password', 5: 'not authorized' };
const V5: Record<number, string> = { 0: 'success', 0x80: 'unspecified error', 0x84: 'unsupported protocol version', 0x86: 'bad user name or password', 0x87: 'not authorized', 0x88: 'server unavailable', 0x89: 'server busy', 0x8a: 'banned', 0x8c: 'bad authentication method', 0x97: 'quota exceeded', 0x9f: 'connection rate exceeded' };

/** Judge a CONNACK code: 0 accepted; banned / rate / quota as lockout; the rest rejected. */
export function judgeConnack(code: number, version: 4 | 5): ConnackAnswer {
  const name = (version === 5 ? V5 : V4)[code] ?? 'unknown code';
  // A 3.1.1 broker answers a version-5 CONNECT with return code 1 (or 0x84 from a v5 broker that refuses 5).
  if (version === 5 && (code === 1 || code === 0x84)) return { code, outcome: 'not-offered', detail: `CONNACK ${code}: the broker does not accept MQTT 5` };
  if (code === 0) return { code, outcome: 'accepted', detail: `CONNACK ${code} (${name})` };
  if (version === 5 && [0x89, 0x8a, 0x97, 0x9f].includes(code)) return { code, outcome: 'locked-out', detail: `CONNACK 0x${code.toString(16)} (${name})` };
  if (version === 4 && code === 3) return { code, outcome: 'locked-out', detail: `CONNACK 3 (${name})` };
  return { code, outcome: 'rejected', detail: `CONNACK ${version === 5 ? `0x${code.toString(16)}` : code} (${name})` };
}

/** Send one CONNECT (credentials optional) and read the CONNACK. */
export async function mqttConnect(t: MqttTarget, cred?: LoginCredential): Promise<ConnackAnswer & { elapsedMs: number; transcript: string }> {
  const version = t.protocolVersion ?? 4;
  const release = t.budget ? await t.budget.acquireSocket(t.signal) : () => undefined;
  const raw = guardedConnect(t.guard, { host: t.address, port: t.port });
  const socket = t.tls ? tls.connect({ socket: raw, rejectUnauthorized: false, servername: undefined }) : raw;
  const packet = {
    cmd: 'connect' as const, protocolId: 'MQTT' as const, protocolVersion: version, clean: true, keepalive: 30,
    clientId: `trustlab-${Math.random().toString(36).slice(2, 10)}`,
    ...(cred ? { username: cred.username, password: Buffer.from(cred.password, 'utf8') } : {}),
  };
  const transcript = `-> CONNECT v${version === 5 ? '5' : '3.1.1'} ${cred ? `username=${JSON.stringify(cred.username)} password=${JSON.stringify(cred.password)}` : '(no credentials)'}\n`;
  const started = performance.now();
  try {
    const answer = await new Promise<ConnackAnswer>((resolve, reject) => {
      const parser = mqttPacket.parser({ protocolVersion: version });
      let connected = false;
      const timer = setTimeout(() => resolve({ outcome: 'rejected', detail: 'no CONNACK before the timeout' }), t.timeoutMs ?? 5000);
      const done = (a: ConnackAnswer): void => { clearTimeout(timer); resolve(a); };
      parser.on('packet', (p: mqttPacket.Packet) => {
        if (p.cmd === 'connack') done(judgeConnack((version === 5 ? p.reasonCode : p.returnCode) ?? 0, version));
      });
      parser.on('error', (err: Error) => done({ outcome: 'rejected', detail: `unparsable reply: ${err.message}` }));
      socket.once(t.tls ? 'secureConnect' : 'connect', () => { connected = true; socket.write(mqttPacket.generate(packet)); });
      socket.on('data', (b: Buffer) => parser.parse(b));
      socket.on('error', (err: NodeJS.ErrnoException) => {
        if (!connected) { clearTimeout(timer); reject(new TrustlabError('TL_TRANSPORT', `connect to ${t.address}:${t.port} failed: ${err.code ?? err.message}`, { cause: err })); return; }
        done({ outcome: 'rejected', detail: `connection error ${err.code ?? err.message}` });
      });
      socket.on('close', () => done({ outcome: 'rejected', detail: 'closed without CONNACK' }));
    });
    return { ...answer, elapsedMs: Math.round(performance.now() - started), transcript: `${transcript}<- ${answer.detail}\n` };
  } finally {
    socket.destroy();
    raw.destroy();
    release();
  }
}

/** Try each credential in its own connection (MQTT allows one CONNECT per connection). */
export async function mqttTryAll(t: MqttTarget, creds: readonly LoginCredential[], parallel = 4): Promise<LoginResult[]> {
  const queue = [...creds];
  const results: LoginResult[] = [];
  const worker = async (): Promise<void> => {
    for (let cred = queue.shift(); cred; cred = queue.shift()) {
      if (t.budget) await t.budget.paceAttempt(t.signal);
      const a = await mqttConnect(t, cred);
      results.push({ outcome: a.outcome, credential: cred, detail: a.detail, elapsedMs: a.elapsedMs, transcript: a.transcript });
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, parallel) }, worker));
  return results;
}
