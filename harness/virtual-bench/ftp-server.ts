/**
 * The device's FTP service (RFC 959 control channel, enough for a login and a listing): a
 * greeting, USER/PASS with optional anonymous access (RFC 1635), and PASV data connections
 * bound to the device's own loopback address, so nothing listens beyond the device. Like
 * vsftpd it drops the control connection after three failed logins.
 */
import net from 'node:net';
import { ConnectionTracker, closeTcp, listenTcp, once, type BindTarget, type RunningService } from './lifecycle.ts';

/** Options of one FTP service. */
export interface FtpOptions {
  target: BindTarget;
  users: { username: string; password: string }[];
  anonymous: boolean;
}

const MAX_FAILURES = 3;
const MAX_LINE = 512;
const LISTING = '-rw-r--r--    1 0        0            1024 Mar 01  2017 config.bin\r\n-rw-r--r--    1 0        0              64 Mar 01  2017 version.txt\r\n';

function session(socket: net.Socket, opts: FtpOptions, tracker: ConnectionTracker): void {
  let user: string | undefined;
  let loggedIn = false;
  let failures = 0;
  let buffer = '';
  let passive: net.Server | undefined;
  const reply = (text: string): void => { if (socket.writable) socket.write(`${text}\r\n`); };
  const closePassive = (): void => { passive?.close(); passive = undefined; };
  socket.setTimeout(60_000, () => socket.destroy());
  socket.on('close', closePassive);
  reply('220 trustlab bench FTP server ready');
  const command = (line: string): void => {
    const [verb = '', ...rest] = line.split(' ');
    const arg = rest.join(' ');
    switch (verb.toUpperCase()) {
      case 'USER':
        user = arg;
        loggedIn = false;
        return reply(opts.anonymous && (arg === 'anonymous' || arg === 'ftp') ? '331 Please specify the password.' : '331 Please specify the password.');
      case 'PASS': {
        if (user === undefined) return reply('503 Login with USER first.');
        const anon = opts.anonymous && (user === 'anonymous' || user === 'ftp');
        if (anon || opts.users.some((u) => u.username === user && u.password === arg)) { loggedIn = true; return reply('230 Login successful.'); }
        failures += 1;
        user = undefined;
        reply('530 Login incorrect.');
        if (failures >= MAX_FAILURES) socket.end();
        return;
      }
      case 'SYST': return reply('215 UNIX Type: L8');
      case 'FEAT': return reply('211 No features');
      case 'TYPE': return reply('200 Switching mode.');
      case 'PWD': return loggedIn ? reply('257 "/" is the current directory') : reply('530 Please login with USER and PASS.');
      case 'QUIT': reply('221 Goodbye.'); socket.end(); return;
      case 'PASV': {
        if (!loggedIn) return reply('530 Please login with USER and PASS.');
        closePassive();
        const data = net.createServer((d) => { tracker.add(d); d.end(LISTING); data.close(); });
        passive = data;
        data.on('error', () => undefined);
        // The data port lives on the device's own address, never on a wildcard.
        data.listen({ host: opts.target.address, port: 0 }, () => {
          const port = (data.address() as net.AddressInfo).port;
          reply(`227 Entering Passive Mode (${opts.target.address.replace(/\./g, ',')},${port >> 8},${port & 0xff}).`);
        });
        return;
      }
      case 'LIST': case 'NLST':
        if (!loggedIn) return reply('530 Please login with USER and PASS.');
        if (!passive) return reply('425 Use PASV first.');
        reply('150 Here comes the directory listing.');
        setTimeout(() => reply('226 Directory send OK.'), 20);
        return;
      default:
        return reply(loggedIn ? '502 Command not implemented.' : '530 Please login with USER and PASS.');
    }
  };
  socket.on('data', (chunk: Buffer) => {
    buffer += chunk.toString('latin1');
    if (buffer.length > MAX_LINE * 4) { socket.destroy(); return; }
    for (let nl = buffer.indexOf('\n'); nl >= 0; nl = buffer.indexOf('\n')) {
      const line = buffer.slice(0, nl).replace(/\r$/, '').slice(0, MAX_LINE);
      buffer = buffer.slice(nl + 1);
      command(line);
    }
  });
}

/** Start the FTP service on the target address and port. */
export async function startFtp(opts: FtpOptions): Promise<RunningService> {
  const tracker = new ConnectionTracker();
  const server = net.createServer((socket) => session(socket, opts, tracker));
  await listenTcp(server, opts.target, tracker);
  return { stop: once(() => closeTcp(server, tracker)) };
}
