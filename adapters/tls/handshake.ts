/**
 * A complete TLS handshake through node:tls, for what raw hellos cannot see: the certificate
 * chain under TLS 1.3 (encrypted there), the group a default client ends up with, and whether
 * a real client can finish at a given version. Legacy versions need OpenSSL security level 0 on
 * the client too (TLS 1.0/1.1 sign with SHA-1, which level 1 refuses).
 */
import tls from 'node:tls';
import { guardedConnect } from '../../harness/scope/guard.ts';
import type { ProbeTarget } from './raw-probe.ts';
import type { TlsVersion } from './registry.ts';

/** What one node:tls handshake gave. */
export interface HandshakeResult {
  completed: boolean;
  /** Why it did not complete (OpenSSL's reason, or a timeout). */
  error?: string;
  protocol?: string;
  cipher?: string;
  /** Ephemeral key exchange the client saw, e.g. "X25519" or "DH 2048". */
  group?: string;
  /** DER certificates as sent, leaf first. */
  chain: Buffer[];
  /** OpenSSL's chain verdict against the CA given (when one was). */
  authorizationError?: string;
}

const NODE_VERSION: Record<Exclude<TlsVersion, 'SSL 3.0'>, tls.SecureVersion> = {
  'TLS 1.0': 'TLSv1', 'TLS 1.1': 'TLSv1.1', 'TLS 1.2': 'TLSv1.2', 'TLS 1.3': 'TLSv1.3',
};

function peerChain(socket: tls.TLSSocket): Buffer[] {
  const out: Buffer[] = [];
  let cert: tls.DetailedPeerCertificate | undefined = socket.getPeerCertificate(true);
  const seen = new Set<string>();
  // Node links the chain through issuerCertificate; a self-signed root points at itself.
  while (cert && cert.raw && !seen.has(cert.fingerprint256)) {
    seen.add(cert.fingerprint256);
    out.push(Buffer.from(cert.raw));
    cert = cert.issuerCertificate;
  }
  return out;
}

/** One handshake, pinned to a version when given; never throws for device behaviour. */
export async function tlsHandshake(target: ProbeTarget, opts: { version?: Exclude<TlsVersion, 'SSL 3.0'>; ca?: string } = {}): Promise<HandshakeResult> {
  const release = target.budget ? await target.budget.acquireSocket(target.signal) : () => undefined;
  try {
    return await new Promise<HandshakeResult>((resolve) => {
      const raw = guardedConnect(target.guard, { host: target.address, port: target.port });
      const v = opts.version ? NODE_VERSION[opts.version] : undefined;
      const socket = tls.connect({
        socket: raw,
        host: target.address,
        rejectUnauthorized: false,
        ...(opts.ca ? { ca: opts.ca } : {}),
        minVersion: v ?? 'TLSv1',
        maxVersion: v ?? 'TLSv1.3',
        ciphers: 'ALL:@SECLEVEL=0',
      });
      let settled = false;
      const done = (r: HandshakeResult): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        socket.destroy();
        raw.destroy();
        resolve(r);
      };
      const timer = setTimeout(() => done({ completed: false, error: 'no handshake before the timeout', chain: [] }), target.timeoutMs ?? 5000);
      socket.once('secureConnect', () => {
        const key = socket.getEphemeralKeyInfo();
        const group = key && 'type' in key && key.type ? (key.type === 'DH' ? `DH ${key.size}` : String(key.name)) : undefined;
        const result: HandshakeResult = {
          completed: true, protocol: socket.getProtocol() ?? undefined, cipher: socket.getCipher().standardName, chain: peerChain(socket),
        };
        if (group) result.group = group;
        if (opts.ca && socket.authorizationError) result.authorizationError = String(socket.authorizationError);
        done(result);
      });
      socket.once('error', (err: Error & { reason?: string }) => done({ completed: false, error: err.reason ?? err.message, chain: [] }));
      raw.once('error', (err: Error) => done({ completed: false, error: err.message, chain: [] }));
    });
  } finally {
    release();
  }
}
