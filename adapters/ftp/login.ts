/**
 * FTP logins through basic-ftp: anonymous (RFC 1635: user "anonymous", an e-mail-like
 * password) and credentials. One control connection takes several USER/PASS pairs, as FTP
 * servers allow after a 530; a 421 or a hang-up opens a new one. 230 is acceptance, 530
 * rejection, 421 (service not available, closing) lockout when it follows failures.
 */
import { Client, FTPError } from 'basic-ftp';
import { TrustlabError } from '../../harness/errors.ts';
import { ADAPTER_API_VERSION, type AdapterPlugin, type LoginCredential, type LoginResult, type LoginTarget } from '../../harness/plugins/types.ts';

/** The FTP adapter's metadata. */
export const ftpAdapter: AdapterPlugin = {
  apiVersion: ADAPTER_API_VERSION, id: 'ftp', version: '1.0.0', title: 'FTP login (anonymous and credentials)', protocols: ['ftp'],
};

/** The credential RFC 1635 describes for anonymous FTP. */
export const ANONYMOUS: LoginCredential = { username: 'anonymous', password: 'trustlab@example.invalid' };

async function open(t: LoginTarget): Promise<{ client: Client; greeting: string }> {
  t.guard.assertInScope(t.address, `connect to port ${t.port}`);
  const client = new Client(t.timeoutMs ?? 5000);
  try {
    const res = await client.connect(t.address, t.port);
    return { client, greeting: /^\d{3}/.test(res.message.trim()) ? res.message.trim() : `${res.code} ${res.message.trim()}` };
  } catch (err) {
    client.close();
    if (err instanceof FTPError) throw new TrustlabError('TL_TRANSPORT', `FTP greeting from ${t.address}:${t.port} was ${err.code}: ${err.message}`, { cause: err });
    throw new TrustlabError('TL_TRANSPORT', `connect to ${t.address}:${t.port} failed: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, { cause: err });
  }
}

/** Try every credential, reusing a control connection until the server closes it. */
export async function ftpTryAll(t: LoginTarget, creds: readonly LoginCredential[]): Promise<LoginResult[]> {
  const results: LoginResult[] = [];
  let session: { client: Client; greeting: string } | undefined;
  let release: () => void = () => undefined;
  let reconnects = 0;
  try {
    for (const cred of creds) {
      if (!session) {
        if (reconnects++ > creds.length + 2) break;
        release = t.budget ? await t.budget.acquireSocket(t.signal) : () => undefined;
        try {
          session = await open(t);
        } catch (err) {
          release();
          // A server that refused us after failures is locking us out; before any, a transport fault.
          if (results.length === 0) throw err;
          results.push({ outcome: 'locked-out', credential: cred, detail: `reconnect refused: ${(err as Error).message}`, elapsedMs: 0, transcript: '' });
          continue;
        }
      }
      if (t.budget) await t.budget.paceAttempt(t.signal);
      const started = performance.now();
      let transcript = `<- ${session.greeting}\n-> USER ${cred.username}\n-> PASS ${cred.password}\n`;
      session.greeting = '(same connection)';
      let outcome: LoginResult['outcome'];
      let detail: string;
      let closeAfter = false;
      try {
        const res = await session.client.login(cred.username, cred.password);
        outcome = 'accepted';
        detail = /^\d{3}/.test(res.message.trim()) ? res.message.trim() : `${res.code} ${res.message.trim()}`;
        closeAfter = true;
      } catch (err) {
        const code = err instanceof FTPError ? err.code : undefined;
        detail = code !== undefined ? `${code} ${err instanceof Error ? err.message.replace(/^\d+\s*/, '').trim() : ''}` : `connection ended: ${(err as Error).message}`;
        outcome = code === 421 && results.length > 0 ? 'locked-out' : 'rejected';
        closeAfter = code === undefined || code === 421 || session.client.closed;
      }
      transcript += `<- ${detail}\n`;
      results.push({ outcome, credential: cred, detail, elapsedMs: Math.round(performance.now() - started), transcript });
      if (closeAfter) {
        session.client.close();
        session = undefined;
        release();
      }
    }
  } finally {
    session?.client.close();
    if (session) release();
  }
  return results;
}
