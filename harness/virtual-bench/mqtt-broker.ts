/**
 * The device's MQTT broker: one aedes instance per device behind our own net/tls listener, so
 * the bench owns the bind and the connections. Anonymous access, plaintext and the retained
 * topics a careless firmware publishes are options of the profile.
 */
import type { EventEmitter } from 'node:events';
import net from 'node:net';
import tls from 'node:tls';
import { Aedes, type AuthenticateError, type Client } from 'aedes';
import { ConnectionTracker, closeTcp, listenTcp, once, settleWithin, type BindTarget, type RunningService } from './lifecycle.ts';
import { tlsServerOptions, type TlsGrade, type TlsMaterial } from './tls-material.ts';

/** Options of one device's MQTT service. */
export interface MqttOptions {
  target: BindTarget;
  /** Accounts the broker accepts; undefined means anonymous clients are accepted. */
  users?: { username: string; password: string }[];
  /** Serve MQTT over TLS with this certificate and grade. */
  tls?: { material: TlsMaterial; grade: TlsGrade };
  /** Retained messages published at start (what a subscriber to "#" would see). */
  retained: { topic: string; payload: string }[];
  /** Consecutive bad passwords after which every CONNECT is refused (code 3) for 5 minutes. */
  lockoutAfter?: number;
}

const LOCKOUT_MS = 5 * 60_000;
const SERVER_UNAVAILABLE = 3;

// MQTT 3.1.1 CONNACK return codes (aedes declares them as a const enum, unusable here).
const BAD_USERNAME_OR_PASSWORD = 4;
const NOT_AUTHORIZED = 5;

function authError(returnCode: number, message: string): AuthenticateError {
  return Object.assign(new Error(message), { returnCode }) as AuthenticateError;
}

function publishRetained(broker: Aedes, topic: string, payload: string): Promise<void> {
  return new Promise((resolve) => {
    broker.publish(
      { cmd: 'publish', topic, payload: Buffer.from(payload), qos: 0, retain: true, dup: false },
      () => resolve(),
    );
  });
}

/** Start the MQTT (or MQTT over TLS) service on the target address and port. */
export async function startMqtt(opts: MqttOptions): Promise<RunningService> {
  const users = opts.users;
  let failures = 0;
  let lockedUntil = 0;
  const broker = await Aedes.createBroker({
    id: `${opts.target.deviceId}-${opts.target.service}`,
    // Clients that open a socket and never send CONNECT are dropped as a small device would.
    connectTimeout: 10_000,
    ...(users === undefined
      ? {}
      : {
          authenticate: (
            _client: Client,
            username: string | undefined,
            password: Buffer | undefined,
            done: (error: AuthenticateError | null, success: boolean | null) => void,
          ) => {
            if (Date.now() < lockedUntil) return done(authError(SERVER_UNAVAILABLE, 'locked after repeated failures'), false);
            if (username === undefined) return done(authError(NOT_AUTHORIZED, 'anonymous access refused'), false);
            const ok = users.some((u) => u.username === username && password !== undefined && password.toString('utf8') === u.password);
            if (ok) { failures = 0; return done(null, true); }
            failures += 1;
            if (opts.lockoutAfter !== undefined && failures >= opts.lockoutAfter) { lockedUntil = Date.now() + LOCKOUT_MS; failures = 0; }
            return done(authError(BAD_USERNAME_OR_PASSWORD, 'bad username or password'), false);
          },
        }),
  });
  // Broker-level errors (persistence, heartbeat) must not take the process down.
  (broker as EventEmitter).on('error', () => {});
  broker.on('clientError', () => {});
  broker.on('connectionError', () => {});
  for (const message of opts.retained) await publishRetained(broker, message.topic, message.payload);

  const tracker = new ConnectionTracker();
  const onSocket = (socket: net.Socket): void => {
    // The tracker guards the raw socket; a TLS socket wraps it and can fail on its own.
    socket.on('error', () => {});
    broker.handle(socket);
  };
  let server: net.Server;
  if (opts.tls) {
    const tlsServer = tls.createServer(tlsServerOptions(opts.tls.material, opts.tls.grade), onSocket);
    tlsServer.on('tlsClientError', (_err: Error, socket: tls.TLSSocket) => socket.destroy());
    server = tlsServer;
  } else {
    server = net.createServer(onSocket);
  }
  try {
    await listenTcp(server, opts.target, tracker);
  } catch (err) {
    broker.close();
    throw err;
  }
  return {
    stop: once(async () => {
      await closeTcp(server, tracker);
      await settleWithin(new Promise<void>((resolve) => broker.close(() => resolve())), 300);
    }),
  };
}
