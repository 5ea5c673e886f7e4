/**
 * Real protocol clients for the virtual-bench tests: ssh2, raw TCP/telnet, node http(s)/tls,
 * MQTT.js and node-coap. Every client connects to loopback only and is closed by the helper.
 */
import dgram from 'node:dgram';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import tls from 'node:tls';
import coap from 'coap';
import mqtt from 'mqtt';
import ssh2 from 'ssh2';
import type { AuthenticationType } from 'ssh2';

/** The auth methods an SSH server offers after a "none" attempt. */
export function sshOfferedMethods(host: string, port = 2222): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const client = new ssh2.Client();
    let offered: string[] | undefined;
    client.on('error', () => {
      client.end();
      if (offered) resolve(offered);
      else reject(new Error('no auth methods seen'));
    });
    client.on('ready', () => { client.end(); reject(new Error('"none" auth unexpectedly accepted')); });
    client.connect({
      host, port, username: 'probe', readyTimeout: 5000,
      authHandler: (methodsLeft: AuthenticationType[] | null, _partial: boolean | null, next: (m: unknown) => void) => {
        if (methodsLeft === null) return next({ type: 'none', username: 'probe' });
        offered = [...methodsLeft];
        return next(false);
      },
    } as ssh2.ConnectConfig);
  });
}

/** Try an SSH login; resolves with whether it succeeded and, on success, an exec result. */
export function sshLogin(
  host: string,
  auth: { username: string; password?: string; privateKey?: string; tryKeyboard?: boolean },
  command?: string,
): Promise<{ ok: boolean; output: string }> {
  return new Promise((resolve) => {
    const client = new ssh2.Client();
    client.on('keyboard-interactive', (_n, _i, _l, _prompts, finish) => finish([auth.password ?? '']));
    client.on('error', () => { client.end(); resolve({ ok: false, output: '' }); });
    client.on('ready', () => {
      if (!command) { client.end(); return resolve({ ok: true, output: '' }); }
      client.exec(command, (err, stream) => {
        if (err) { client.end(); return resolve({ ok: true, output: '' }); }
        let output = '';
        stream.on('data', (d: Buffer) => { output += d.toString(); });
        stream.on('close', () => { client.end(); resolve({ ok: true, output }); });
      });
    });
    client.connect({
      host, port: 2222, username: auth.username, readyTimeout: 5000,
      // With tryKeyboard the password goes only through the keyboard-interactive prompt.
      ...(auth.password !== undefined && !auth.tryKeyboard ? { password: auth.password } : {}),
      ...(auth.privateKey ? { privateKey: auth.privateKey } : {}),
      ...(auth.tryKeyboard ? { tryKeyboard: true } : {}),
      hostVerifier: () => true,
    });
  });
}

/** Whether a TCP port accepts connections. */
export function tcpOpen(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    socket.setTimeout(2000, () => { socket.destroy(); resolve(false); });
    socket.once('connect', () => { socket.destroy(); resolve(true); });
    socket.once('error', () => resolve(false));
  });
}

/** A raw TCP conversation: collects everything received and waits for patterns. */
export class RawSession {
  text = '';
  private readonly socket: net.Socket;
  private waiter: (() => void) | undefined;
  private constructor(socket: net.Socket) {
    this.socket = socket;
    socket.on('data', (d: Buffer) => { this.text += d.toString('latin1'); this.waiter?.(); });
    socket.on('error', () => undefined);
    socket.on('close', () => this.waiter?.());
  }
  /** Connect to host:port. */
  static open(host: string, port: number): Promise<RawSession> {
    return new Promise((resolve, reject) => {
      const socket = net.connect({ host, port }, () => resolve(new RawSession(socket)));
      socket.once('error', reject);
    });
  }
  /** Wait until the received text (from `from` on) matches the pattern. */
  waitFor(pattern: RegExp, from = 0, ms = 3000): Promise<string> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`timeout waiting for ${pattern}; got ${JSON.stringify(this.text)}`)), ms);
      const check = (): void => {
        if (pattern.test(this.text.slice(from))) { clearTimeout(timer); this.waiter = undefined; resolve(this.text); }
        else if (this.socket.destroyed) { clearTimeout(timer); reject(new Error(`closed; got ${JSON.stringify(this.text)}`)); }
      };
      this.waiter = check;
      check();
    });
  }
  /** Resolve true once the peer has closed the connection, false after ms. */
  waitClosed(ms = 3000): Promise<boolean> {
    return new Promise((resolve) => {
      if (this.socket.destroyed) return resolve(true);
      const timer = setTimeout(() => resolve(false), ms);
      this.socket.once('close', () => { clearTimeout(timer); resolve(true); });
    });
  }
  /** Send bytes or text. */
  send(data: string | Buffer): void { this.socket.write(data); }
  /** Close the socket. */
  close(): void { this.socket.destroy(); }
}

/** One HTTP(S) exchange with the response status, headers and body. */
export function httpRequest(
  url: string,
  opts: { method?: string; headers?: Record<string, string>; body?: string; ca?: string } = {},
): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    const u = new URL(url);
    const mod = u.protocol === 'https:' ? https : http;
    const req = mod.request(u, {
      method: opts.method ?? 'GET', headers: opts.headers ?? {}, agent: false,
      ...(u.protocol === 'https:' ? (opts.ca ? { ca: opts.ca } : { rejectUnauthorized: false }) : {}),
    }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => { body += d.toString(); });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end(opts.body);
  });
}

/** A TLS handshake pinned to one protocol version; the result says what was negotiated. */
export function tlsHandshake(
  host: string,
  port: number,
  opts: { version?: tls.SecureVersion; ca?: string },
): Promise<{ ok: boolean; protocol?: string | null; authorized?: boolean; authError?: string; validTo?: string; bits?: number; error?: string }> {
  return new Promise((resolve) => {
    const socket = tls.connect({
      host, port,
      ...(opts.version ? { minVersion: opts.version, maxVersion: opts.version } : {}),
      // Level 0 lets this client offer the SHA-1 signatures TLS 1.0/1.1 need under OpenSSL 3.
      ciphers: 'DEFAULT:@SECLEVEL=0',
      rejectUnauthorized: false,
      ...(opts.ca ? { ca: opts.ca } : {}),
    }, () => {
      const cert = socket.getPeerCertificate();
      resolve({
        ok: true, protocol: socket.getProtocol(), authorized: socket.authorized,
        authError: socket.authorizationError ? String(socket.authorizationError) : '', validTo: cert.valid_to, bits: cert.bits,
      });
      socket.destroy();
    });
    socket.setTimeout(3000, () => { socket.destroy(); resolve({ ok: false, error: 'timeout' }); });
    socket.on('error', (err) => resolve({ ok: false, error: err.message }));
  });
}

/** Connect an MQTT client; resolves with the CONNACK outcome (0 = accepted). */
export async function mqttConnect(url: string, opts: mqtt.IClientOptions = {}): Promise<{ ok: boolean; code?: number }> {
  try {
    const client = await mqtt.connectAsync(url, { reconnectPeriod: 0, connectTimeout: 3000, ...opts });
    await client.endAsync(true);
    return { ok: true };
  } catch (err) {
    return { ok: false, code: (err as { code?: number }).code };
  }
}

/** One CoAP request from a client socket bound to 127.0.0.1. */
export async function coapRequest(
  host: string,
  pathname: string,
  opts: { method?: 'GET' | 'PUT' | 'POST'; payload?: string } = {},
): Promise<{ code: string; payload: string; format: unknown }> {
  const socket = dgram.createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  const agent = new coap.Agent({ type: 'udp4', socket });
  try {
    return await new Promise((resolve, reject) => {
      const req = coap.request({ host, port: 5683, pathname, method: opts.method ?? 'GET', agent });
      const timer = setTimeout(() => reject(new Error('coap timeout')), 3000);
      req.on('response', (res: coap.IncomingMessage) => {
        clearTimeout(timer);
        resolve({ code: res.code, payload: res.payload.toString(), format: res.headers['Content-Format'] });
      });
      req.on('error', (err: Error) => { clearTimeout(timer); reject(err); });
      req.end(opts.payload);
    });
  } finally {
    agent.close();
    socket.close();
  }
}
