/**
 * SSH password and keyboard-interactive logins through ssh2's client. One connection tries
 * several passwords of one username (servers allow several USERAUTH requests per connection,
 * dropbear 10, OpenSSH 6; both drop a client that changes username), so a corpus costs few
 * handshakes. The first request is method "none", whose failure lists what the server offers.
 */
import ssh2 from 'ssh2';
import type { AnyAuthMethod, AuthenticationType, NextAuthHandler } from 'ssh2';
import { guardedConnect } from '../../harness/scope/guard.ts';
import { TrustlabError } from '../../harness/errors.ts';
import { ADAPTER_API_VERSION, type AdapterPlugin, type LoginCredential, type LoginResult, type LoginTarget } from '../../harness/plugins/types.ts';

/** The SSH login adapter's metadata. */
export const sshLoginAdapter: AdapterPlugin = {
  apiVersion: ADAPTER_API_VERSION, id: 'ssh-login', version: '1.0.0', title: 'SSH password / keyboard-interactive login', protocols: ['ssh'],
};

/** Password-carrying methods, in the order they are tried. */
export type SshPasswordMethod = 'password' | 'keyboard-interactive';

/** What one connection found out. */
export interface SshSessionResult {
  /** Methods the server listed after "none" (empty when it closed first). */
  offered: string[];
  banner?: string;
  results: LoginResult[];
  /** Passwords not tried because the connection ended first. */
  untried: string[];
}

/** Run one connection: "none" first, then each password of `username` by `method`. */
export async function sshSession(target: LoginTarget, username: string, passwords: readonly string[], method: SshPasswordMethod = 'password'): Promise<SshSessionResult> {
  const release = target.budget ? await target.budget.acquireSocket(target.signal) : () => undefined;
  const sock = guardedConnect(target.guard, { host: target.address, port: target.port });
  const client = new ssh2.Client();
  const out: SshSessionResult = { offered: [], results: [], untried: [...passwords] };
  let log = '';
  let pending: { password: string; started: number } | undefined;
  const settle = (outcome: LoginResult['outcome'], detail: string): void => {
    if (!pending) return;
    const credential: LoginCredential = { username, password: pending.password };
    log += `<- ${detail}\n`;
    out.results.push({ outcome, credential, detail, elapsedMs: Math.round(performance.now() - pending.started), transcript: log });
    log = '';
    pending = undefined;
  };
  try {
    await new Promise<void>((resolve, reject) => {
      let connected = false;
      const timer = setTimeout(() => { settle('rejected', 'no answer before the timeout'); client.end(); resolve(); }, (target.timeoutMs ?? 8000) + passwords.length * 4000);
      const finish = (): void => { clearTimeout(timer); resolve(); };
      sock.once('connect', () => { connected = true; });
      client.on('banner', (text: string) => { out.banner = text.trim(); });
      client.on('ready', () => { settle('accepted', 'USERAUTH_SUCCESS'); client.end(); });
      client.on('close', () => { settle('rejected', 'connection closed after the attempt'); finish(); });
      client.on('error', (err: Error & { level?: string; code?: string }) => {
        if (!connected && err.level === 'client-socket') { clearTimeout(timer); reject(new TrustlabError('TL_TRANSPORT', `connect to ${target.address}:${target.port} failed: ${err.code ?? err.message}`, { cause: err })); return; }
        // "All configured authentication methods failed" ends a finished session; other errors end it too.
        if (pending) settle('rejected', 'USERAUTH_FAILURE');
        log += `!! ${err.message}\n`;
        finish();
      });
      const handler = (methodsLeft: AuthenticationType[] | null, _partial: boolean | null, next: NextAuthHandler): void => {
        if (methodsLeft === null) { log += `-> userauth none (${username})\n`; next({ type: 'none', username } as AnyAuthMethod); return; }
        if (pending) settle('rejected', `USERAUTH_FAILURE (methods: ${methodsLeft.join(',')})`);
        else if (out.offered.length === 0) { out.offered = [...methodsLeft]; log += `<- methods offered: ${methodsLeft.join(',')}\n`; }
        const password = out.untried[0];
        if (password === undefined || !methodsLeft.includes(method)) { next(false as unknown as AnyAuthMethod); return; }
        const go = (): void => {
          out.untried.shift();
          pending = { password, started: performance.now() };
          log += `-> userauth ${method} ${username} / ${password}\n`;
          if (method === 'password') next({ type: 'password', username, password });
          else next({ type: 'keyboard-interactive', username, prompt: (_n, _i, _l, prompts, finishKi) => finishKi(prompts.map(() => password)) });
        };
        if (target.budget) target.budget.paceAttempt(target.signal).then(go, () => next(false as unknown as AnyAuthMethod));
        else go();
      };
      client.connect({ sock, username, authHandler: handler, readyTimeout: target.timeoutMs ?? 8000, tryKeyboard: method === 'keyboard-interactive' });
    });
  } finally {
    client.end();
    sock.destroy();
    release();
  }
  return out;
}

/** The methods a server offers to a username, from the failure of method "none". */
export async function sshOfferedMethods(target: LoginTarget, username = 'root'): Promise<{ offered: string[]; banner?: string }> {
  const r = await sshSession(target, username, []);
  return { offered: r.offered, ...(r.banner ? { banner: r.banner } : {}) };
}

/**
 * Try every credential: grouped by username, up to `perConnection` passwords per connection,
 * `parallel` connections at once (each takes a socket from the device budget). Passwords a
 * connection did not reach go back on the queue; a fresh connection that takes no attempt ends
 * that username (the method is absent, or the server stopped listening to us).
 */
export async function sshTryAll(target: LoginTarget, creds: readonly LoginCredential[], method: SshPasswordMethod = 'password', opts: { perConnection?: number; parallel?: number } = {}): Promise<LoginResult[]> {
  const per = opts.perConnection ?? 6;
  const queue: { username: string; passwords: string[] }[] = [];
  const byUser = new Map<string, string[]>();
  for (const c of creds) byUser.set(c.username, [...(byUser.get(c.username) ?? []), c.password]);
  for (const [username, passwords] of byUser) for (let i = 0; i < passwords.length; i += per) queue.push({ username, passwords: passwords.slice(i, i + per) });
  const results: LoginResult[] = [];
  const dead = new Map<string, { outcome: LoginResult['outcome']; detail: string }>();
  const worker = async (): Promise<void> => {
    for (let job = queue.shift(); job; job = queue.shift()) {
      const stop = dead.get(job.username);
      if (stop) { results.push(...job.passwords.map((password) => ({ ...stop, credential: { username: job!.username, password }, elapsedMs: 0, transcript: '' }))); continue; }
      const r = await sshSession(target, job.username, job.passwords, method);
      results.push(...r.results);
      if (r.results.length === 0) {
        const outcome: LoginResult['outcome'] = r.offered.length > 0 || results.length === 0 ? 'not-offered' : 'locked-out';
        const detail = r.offered.length > 0 ? `${method} not offered (server offers ${r.offered.join(',')})` : 'server ended the session before any attempt';
        dead.set(job.username, { outcome, detail });
        results.push(...job.passwords.map((password) => ({ outcome, credential: { username: job!.username, password }, detail, elapsedMs: 0, transcript: '' })));
      } else if (r.untried.length > 0) {
        queue.unshift({ username: job.username, passwords: r.untried });
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, opts.parallel ?? 4) }, worker));
  return results;
}
