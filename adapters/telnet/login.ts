/**
 * Telnet logins over a guarded socket: negotiate options, wait for the login prompt, send the
 * username and password, and decide from what the device prints: a shell prompt or banner is
 * success, "Login incorrect" or a new login prompt is failure. A device that lets a client
 * retry on one connection gets several tries; one that hangs up gets a new connection. Slow
 * failure delays (busybox and util-linux login sleep ~3 s; shadow login via pam_faildelay too)
 * are waited out, in parallel over the connections the device budget allows.
 *
 * Connections are opened one at a time: each waits until the previous one has heard the
 * server's first bytes. Embedded telnetds listen with a tiny backlog (busybox: 1); a burst of
 * connects overflows it, and with SYN cookies the client believes it is connected while the
 * server has forgotten it, so a login prompt never comes. A connection still silent after
 * GREETING_NUDGE_MS gets a telnet NOP, which a server that lost it answers with a reset.
 */
import { guardedConnect } from '../../harness/scope/guard.ts';
import { TrustlabError } from '../../harness/errors.ts';
import { ADAPTER_API_VERSION, type AdapterPlugin, type LoginCredential, type LoginResult, type LoginTarget } from '../../harness/plugins/types.ts';
import { PATTERNS, TelnetDecoder, escapeIac, lastLine } from './negotiation.ts';

/** The telnet login adapter's metadata. */
export const telnetAdapter: AdapterPlugin = {
  apiVersion: ADAPTER_API_VERSION, id: 'telnet', version: '1.0.0', title: 'Telnet login (busybox / util-linux style)', protocols: ['telnet'],
};

/** Options of a telnet login run. */
export interface TelnetOptions {
  /** Milliseconds to wait for a prompt or verdict after each step (failure delays included). */
  stepTimeoutMs?: number;
  /** Connections used at once (each still takes a socket from the device budget). */
  connections?: number;
}

type Wait = 'login' | 'password' | 'verdict';

/** Silence after connect that earns a NOP (a lost handshake then resets or completes). */
const GREETING_NUDGE_MS = 1000;
const IAC_NOP = Buffer.from([255, 241]);

/** One connection awaiting its greeting at a time: resolves with the call that lets the next one go. */
function createOpener(): () => Promise<() => void> {
  let tail: Promise<void> = Promise.resolve();
  return async () => {
    let open!: () => void;
    const prev = tail;
    tail = new Promise((r) => { open = r; });
    await prev;
    return open;
  };
}

/** One connection: try credentials from `queue` until it is empty or the server hangs up. */
async function session(target: LoginTarget, queue: LoginCredential[], results: LoginResult[], stepMs: number, opener: () => Promise<() => void>): Promise<'drained' | 'closed' | 'no-login'> {
  const release = target.budget ? await target.budget.acquireSocket(target.signal) : () => undefined;
  const letNextOpen = await opener();
  let socket: ReturnType<typeof guardedConnect>;
  try {
    socket = guardedConnect(target.guard, { host: target.address, port: target.port });
  } catch (e) {
    letNextOpen();
    release();
    throw e;
  }
  socket.setNoDelay(true);
  const decoder = new TelnetDecoder();
  let screen = '';
  let log = '';
  let tookAny = false;
  try {
    return await new Promise((resolve, reject) => {
      let wait: Wait = 'login';
      let current: { cred: LoginCredential; started: number; mark: number } | undefined;
      let timer: NodeJS.Timeout | undefined;
      let connected = false;
      let greeted = false;
      let nudge: NodeJS.Timeout | undefined;
      const arm = (): void => {
        clearTimeout(timer);
        timer = setTimeout(onTimeout, stepMs);
      };
      const decide = (outcome: LoginResult['outcome'], detail: string): void => {
        if (!current) return;
        results.push({ outcome, credential: current.cred, detail, elapsedMs: Math.round(performance.now() - current.started), transcript: log });
        log = '';
        current = undefined;
      };
      const end = (r: 'drained' | 'closed' | 'no-login'): void => {
        clearTimeout(timer);
        clearTimeout(nudge);
        letNextOpen();
        resolve(r);
      };
      const send = (text: string, shown = text): void => {
        log += `-> ${JSON.stringify(shown)}\n`;
        socket.write(Buffer.concat([escapeIac(text), Buffer.from('\r\n')]));
      };
      const next = async (): Promise<void> => {
        const cred = queue.shift();
        if (!cred) { end('drained'); socket.end(); return; }
        if (target.budget) await target.budget.paceAttempt(target.signal).catch(() => undefined);
        current = { cred, started: performance.now(), mark: screen.length };
        tookAny = true;
        wait = 'password';
        send(cred.username);
        arm();
      };
      const onText = (): void => {
        const line = lastLine(screen);
        if (wait === 'login') {
          if (PATTERNS.login.test(line)) { wait = 'verdict'; void next(); return; }
          // A shell with no login at all: anonymous access.
          if (PATTERNS.shell.test(line) && (PATTERNS.welcome.test(screen) || screen.length > 0) && !PATTERNS.password.test(line)) {
            current = { cred: { username: '', password: '' }, started: performance.now(), mark: 0 };
            decide('accepted', `shell prompt without any login: ${JSON.stringify(line.trim())}`);
            end('drained');
          }
          return;
        }
        if (!current) return;
        const since = screen.slice(current.mark);
        if (wait === 'password') {
          if (PATTERNS.password.test(line)) { wait = 'verdict'; current.mark = screen.length; send(current.cred.password, current.cred.password); arm(); return; }
          // Some devices log in on the username alone.
          if (PATTERNS.welcome.test(since) || (PATTERNS.shell.test(line) && !PATTERNS.login.test(line))) { decide('accepted', `shell after the username alone: ${JSON.stringify(line.trim())}`); end('drained'); }
          return;
        }
        if (PATTERNS.lockout.test(since)) { decide('locked-out', `device said ${JSON.stringify(since.trim().slice(0, 120))}`); return; }
        if (PATTERNS.failure.test(since) || PATTERNS.login.test(line)) {
          decide('rejected', `device said ${JSON.stringify(since.trim().split(/\r?\n/).find((l) => l.trim() !== '') ?? line)}`);
          if (PATTERNS.login.test(line)) void next();
          else wait = 'login';
          return;
        }
        if (PATTERNS.welcome.test(since) || (PATTERNS.shell.test(line) && !PATTERNS.password.test(line))) {
          decide('accepted', `shell after login: ${JSON.stringify(line.trim())}`);
          end('drained');
        }
      };
      const onTimeout = (): void => {
        if (wait === 'login' && !tookAny) { end('no-login'); return; }
        decide('rejected', `no verdict within ${stepMs} ms (screen ends ${JSON.stringify(lastLine(screen).slice(-60))})`);
        end('closed');
      };
      socket.once('connect', () => {
        connected = true;
        arm();
        nudge = setTimeout(() => {
          if (greeted) return;
          log += '-> IAC NOP (no greeting yet)\n';
          socket.write(IAC_NOP);
          letNextOpen();
        }, GREETING_NUDGE_MS);
      });
      socket.on('data', (chunk: Buffer) => {
        if (!greeted) { greeted = true; clearTimeout(nudge); letNextOpen(); }
        const { text, reply } = decoder.feed(chunk);
        if (reply.length > 0) socket.write(reply);
        if (text) { screen += text; log += `<- ${JSON.stringify(text)}\n`; onText(); }
      });
      socket.on('error', (err: NodeJS.ErrnoException) => {
        if (!connected) { clearTimeout(timer); letNextOpen(); reject(new TrustlabError('TL_TRANSPORT', `connect to ${target.address}:${target.port} failed: ${err.code ?? err.message}`, { cause: err })); }
      });
      socket.on('close', () => {
        if (current) decide(PATTERNS.lockout.test(screen.slice(current.mark)) ? 'locked-out' : 'rejected', `connection closed after the password (${JSON.stringify(screen.slice(current.mark).trim().slice(0, 80))})`);
        end(tookAny ? 'closed' : 'no-login');
      });
    });
  } finally {
    letNextOpen();
    socket.destroy();
    release();
  }
}

/** Try every credential, over up to `connections` parallel connections. */
export async function telnetTryAll(target: LoginTarget, creds: readonly LoginCredential[], opts: TelnetOptions = {}): Promise<LoginResult[]> {
  const queue = [...creds];
  const results: LoginResult[] = [];
  const stepMs = opts.stepTimeoutMs ?? 8000;
  const opener = createOpener();
  let noLogin = 0;
  const worker = async (): Promise<void> => {
    while (queue.length > 0 && noLogin < 2 && !target.signal?.aborted) {
      const before = results.length;
      const r = await session(target, queue, results, stepMs, opener);
      if (r === 'no-login' || results.length === before) noLogin += 1;
      if (results.some((x) => x.outcome === 'accepted' && x.credential.username === '')) return;
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(opts.connections ?? 4, creds.length)) }, worker));
  // Prompts that stop coming after attempts were made are the device refusing us, not an absent login.
  const outcome: LoginResult['outcome'] = results.length > 0 ? 'locked-out' : 'not-offered';
  for (const cred of queue) results.push({ outcome, credential: cred, detail: results.length > 0 ? 'the device stopped offering a login prompt' : 'no login prompt from the device', elapsedMs: 0, transcript: '' });
  return results;
}
