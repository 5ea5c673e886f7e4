/**
 * A BusyBox-telnetd-like login service: option negotiation, "login: " / "Password: " prompts,
 * "Login incorrect" on failure and a root "# " shell after success. It is written on node:net
 * because no telnet server library is a dependency; the byte handling follows RFC 854.
 */
import net from 'node:net';
import { BUSYBOX_BANNER, SHELL_PROMPT, runShellCommand, toCrlf, type FirmwareIdentity } from './busybox-shell.ts';
import { ConnectionTracker, closeTcp, listenTcp, once, type BindTarget, type RunningService } from './lifecycle.ts';

/** Options of the telnet login service. */
export interface TelnetOptions {
  target: BindTarget;
  firmware: FirmwareIdentity;
  users: { username: string; password: string }[];
}

const IAC = 255;
const SB = 250;
const SE = 240;
const WILL = 251;
const DO = 253;
const ECHO = 1;
const SGA = 3;
const NAWS = 31;
const MAX_LINE = 512;
const MAX_FAILURES = 3;
const IDLE_MS = 60_000;

type Phase = 'user' | 'pass' | 'shell';
type IacState = 'data' | 'iac' | 'option' | 'sb' | 'sb-iac';

class TelnetSession {
  private phase: Phase = 'user';
  private iac: IacState = 'data';
  private line: number[] = [];
  private skipLf = false;
  private username = '';
  private failures = 0;

  constructor(private readonly socket: net.Socket, private readonly opts: TelnetOptions) {
    socket.setTimeout(IDLE_MS, () => socket.destroy());
    // busybox telnetd negotiates server-side echo and character mode before the login prompt.
    socket.write(Buffer.from([IAC, WILL, ECHO, IAC, WILL, SGA, IAC, DO, NAWS]));
    this.write(`\r\n${opts.firmware.hostname} login: `);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
  }

  private write(text: string): void {
    if (this.socket.writable) this.socket.write(text);
  }

  private onData(chunk: Buffer): void {
    let echo = '';
    for (const byte of chunk) {
      if (this.socket.destroyed) return;
      if (this.iac !== 'data') { this.onIac(byte); continue; }
      if (byte === IAC) { this.iac = 'iac'; continue; }
      if (this.skipLf && (byte === 0x0a || byte === 0x00)) { this.skipLf = false; continue; }
      this.skipLf = false;
      if (byte === 0x0d || byte === 0x0a) {
        this.skipLf = byte === 0x0d;
        echo += '\r\n';
        this.write(echo);
        echo = '';
        this.onLine(Buffer.from(this.line).toString('latin1'));
        this.line = [];
      } else if (byte === 0x7f || byte === 0x08) {
        if (this.line.pop() !== undefined && this.phase !== 'pass') echo += '\b \b';
      } else if (byte >= 0x20 && this.line.length < MAX_LINE) {
        this.line.push(byte);
        if (this.phase !== 'pass') echo += String.fromCharCode(byte);
      }
    }
    if (echo) this.write(echo);
  }

  // Option negotiation from the client is consumed and ignored, as a minimal telnetd does.
  private onIac(byte: number): void {
    switch (this.iac) {
      case 'iac':
        if (byte === IAC) { this.iac = 'data'; return; }
        this.iac = byte === SB ? 'sb' : byte >= WILL ? 'option' : 'data';
        return;
      case 'option':
        this.iac = 'data';
        return;
      case 'sb':
        if (byte === IAC) this.iac = 'sb-iac';
        return;
      case 'sb-iac':
        this.iac = byte === SE ? 'data' : 'sb';
        return;
      default:
        this.iac = 'data';
    }
  }

  private onLine(text: string): void {
    if (this.phase === 'user') {
      this.username = text.trim();
      this.phase = 'pass';
      this.write('Password: ');
      return;
    }
    if (this.phase === 'pass') {
      const ok = this.opts.users.some((u) => u.username === this.username && u.password === text);
      if (ok) {
        this.phase = 'shell';
        this.write(BUSYBOX_BANNER + SHELL_PROMPT);
        return;
      }
      this.failures += 1;
      this.write('\r\nLogin incorrect\r\n');
      if (this.failures >= MAX_FAILURES) { this.socket.end(); return; }
      this.phase = 'user';
      this.write(`${this.opts.firmware.hostname} login: `);
      return;
    }
    const result = runShellCommand(text, this.opts.firmware);
    if (result.exit) { this.socket.end(); return; }
    this.write(result.output ? `${toCrlf(result.output)}\r\n${SHELL_PROMPT}` : SHELL_PROMPT);
  }
}

/** Start the telnet login service on the target address and port. */
export async function startTelnet(opts: TelnetOptions): Promise<RunningService> {
  const tracker = new ConnectionTracker();
  const server = net.createServer((socket) => {
    new TelnetSession(socket, opts);
  });
  await listenTcp(server, opts.target, tracker);
  return { stop: once(() => closeTcp(server, tracker)) };
}
