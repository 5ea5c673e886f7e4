/**
 * The emulated SSH daemon, an ssh2 Server fed from our own net.Server (injectSocket) so that
 * the bench owns the bind and can destroy every connection on stop. Weak devices offer
 * password and keyboard-interactive logins and legacy algorithms; hardened ones publickey only.
 */
import net from 'node:net';
import ssh2 from 'ssh2';
import type {
  Algorithms, AuthContext, AuthenticationType, CipherAlgorithm, Connection, KexAlgorithm, MacAlgorithm, ParsedKey,
  ServerChannel, ServerHostKeyAlgorithm,
} from 'ssh2';
import { TrustlabError } from '../errors.ts';
import { BUSYBOX_BANNER, SHELL_PROMPT, runShellCommand, toCrlf, type FirmwareIdentity } from './busybox-shell.ts';
import { ConnectionTracker, closeTcp, listenTcp, once, type BindTarget, type RunningService } from './lifecycle.ts';

const { Server, utils } = ssh2;

/** Options of one SSH service. */
export interface SshOptions {
  target: BindTarget;
  firmware: FirmwareIdentity;
  /** Software part of the identification string, e.g. "dropbear_2014.63". */
  ident: string;
  /** Accounts accepted by password (and keyboard-interactive when enabled). */
  passwordUsers: { username: string; password: string }[];
  keyboardInteractive: boolean;
  /** Public keys accepted for publickey login (OpenSSH private or public key text). */
  authorizedKeys: string[];
  /** Also offer SHA-1 key exchange, CBC ciphers and hmac-md5/sha1, as old firmware does. */
  legacyAlgorithms: boolean;
}

// Host and client key generation is the slow part of an ssh start; one set per process.
let ed25519Host: string | undefined;
let rsaHost: string | undefined;
let labClientKey: string | undefined;

/**
 * ssh2's generator sometimes emits a key its own parser rejects (ssh2 issue #1513: keygen.js
 * strips every leading zero byte of an ed25519 public key, ~1 key in 256), so a key is kept
 * only once it parses, private and public half alike. Bounded: 8 misses in a row is a bug.
 */
export function parsableKeyPair(type: 'ed25519' | 'rsa', opts: { bits?: number; comment?: string } = {}): { private: string; public: string } {
  for (let attempt = 0; attempt < 8; attempt++) {
    const pair = type === 'rsa' ? utils.generateKeyPairSync('rsa', { bits: opts.bits ?? 2048, comment: opts.comment }) : utils.generateKeyPairSync('ed25519', { comment: opts.comment });
    if (!(utils.parseKey(pair.private) instanceof Error) && !(utils.parseKey(pair.public) instanceof Error)) return pair;
  }
  throw new TrustlabError('TL_BENCH', `ssh2 generated 8 unparsable ${type} keys in a row`);
}

function hostKeys(legacy: boolean): string[] {
  ed25519Host ??= parsableKeyPair('ed25519').private;
  if (!legacy) return [ed25519Host];
  rsaHost ??= parsableKeyPair('rsa', { bits: 2048 }).private;
  return [ed25519Host, rsaHost];
}

/** The process-wide OpenSSH private key that hardened devices trust for publickey login. */
export function labSshClientKey(): string {
  return (labClientKey ??= parsableKeyPair('ed25519', { comment: 'trustlab-lab-key' }).private);
}

function parsePublic(text: string): ParsedKey {
  const parsed = utils.parseKey(text);
  const key = Array.isArray(parsed) ? parsed[0] : parsed;
  if (!key || key instanceof Error) throw new Error(`unusable authorized key: ${key instanceof Error ? key.message : 'empty'}`);
  return key;
}

function authenticate(ctx: AuthContext, opts: SshOptions, keys: ParsedKey[], methods: AuthenticationType[]): void {
  const passwordOk = (user: string, pass: string | undefined): boolean =>
    opts.passwordUsers.some((u) => u.username === user && u.password === pass);
  switch (ctx.method) {
    case 'password':
      if (methods.includes('password') && passwordOk(ctx.username, ctx.password)) return ctx.accept();
      break;
    case 'keyboard-interactive':
      if (!methods.includes('keyboard-interactive')) break;
      ctx.prompt([{ prompt: 'Password: ', echo: false }], (answers) => {
        if (passwordOk(ctx.username, answers[0])) ctx.accept();
        else ctx.reject(methods);
      });
      return;
    case 'publickey': {
      const key = keys.find((k) => k.getPublicSSH().equals(ctx.key.data));
      if (!key) break;
      // Without a signature the client is only asking whether the key would be accepted.
      if (!ctx.signature || !ctx.blob) return ctx.accept();
      if (key.verify(ctx.blob, ctx.signature, ctx.hashAlgo) === true) return ctx.accept();
      break;
    }
    default:
      break;
  }
  ctx.reject(methods);
}

function startShell(stream: ServerChannel, fw: FirmwareIdentity): void {
  let line = '';
  let afterCr = false;
  stream.write(BUSYBOX_BANNER + SHELL_PROMPT);
  stream.on('data', (chunk: Buffer) => {
    for (const ch of chunk.toString('latin1')) {
      // A pty sends CR, a pipe LF, some clients CRLF: each ends one line, CRLF only once.
      const skip = afterCr && ch === '\n';
      afterCr = ch === '\r';
      if (skip) continue;
      if (ch !== '\r' && ch !== '\n') {
        if (line.length < 512) line += ch;
        continue;
      }
      const result = runShellCommand(line, fw);
      line = '';
      if (result.exit) {
        stream.exit(0);
        stream.end();
        return;
      }
      stream.write(result.output ? `${toCrlf(result.output)}\r\n${SHELL_PROMPT}` : SHELL_PROMPT);
    }
  });
}

function onReady(conn: Connection, fw: FirmwareIdentity): void {
  conn.on('session', (accept) => {
    const session = accept();
    session.on('pty', (acceptPty) => acceptPty?.());
    session.on('env', (acceptEnv) => acceptEnv?.());
    session.on('shell', (acceptShell) => startShell(acceptShell(), fw));
    session.on('exec', (acceptExec, _reject, info) => {
      const stream = acceptExec();
      const result = runShellCommand(info.command, fw);
      if (result.output) stream.write(`${result.output}\n`);
      stream.exit(0);
      stream.end();
    });
  });
}

/** Start the SSH service on the target address and port. */
export async function startSsh(opts: SshOptions): Promise<RunningService> {
  const methods: AuthenticationType[] = [];
  if (opts.authorizedKeys.length > 0) methods.push('publickey');
  if (opts.passwordUsers.length > 0) {
    methods.push('password');
    if (opts.keyboardInteractive) methods.push('keyboard-interactive');
  }
  const keys = opts.authorizedKeys.map(parsePublic);
  // The typings want all three list edits; only "append" is used, the others stay empty.
  const extend = <T>(extra: T[]): Record<'append' | 'prepend' | 'remove', T[]> => ({ append: extra, prepend: [], remove: [] });
  const legacy: Algorithms = {
    kex: extend<KexAlgorithm>(['diffie-hellman-group14-sha1', 'diffie-hellman-group1-sha1']),
    cipher: extend<CipherAlgorithm>(['aes128-cbc', 'aes256-cbc', '3des-cbc']),
    hmac: extend<MacAlgorithm>(['hmac-sha1', 'hmac-md5']),
    serverHostKey: extend<ServerHostKeyAlgorithm>(['ssh-rsa']),
  };
  const ssh = new Server({
    hostKeys: hostKeys(opts.legacyAlgorithms),
    ident: opts.ident,
    ...(opts.legacyAlgorithms ? { algorithms: legacy } : {}),
  });
  ssh.on('connection', (conn: Connection) => {
    conn.on('error', () => {});
    conn.on('authentication', (ctx: AuthContext) => authenticate(ctx, opts, keys, methods));
    conn.on('ready', () => onReady(conn, opts.firmware));
  });
  ssh.on('error', () => {});
  const tracker = new ConnectionTracker();
  const server = net.createServer((socket) => ssh.injectSocket(socket));
  await listenTcp(server, opts.target, tracker);
  return { stop: once(() => closeTcp(server, tracker)) };
}
