/**
 * The emulated device's firmware update client: fetch a manifest from the update source,
 * check the channel, the signature, the image and the version, then "install" (the reported
 * firmware version changes). The sound client does every check; each flawed kind leaves out
 * exactly one, so each flaw is caught by exactly one test case of the update-mechanism suite.
 */
import { createPublicKey, type KeyObject } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import { compareVersions, imageProblem, parseManifest, parseVersion, signatureProblem, type UpdateManifest } from '../update-server/manifest.ts';

/** Which update client a bench device runs. */
export type UpdateClientKind = 'sound' | 'skips-signature' | 'accepts-any-certificate' | 'accepts-downgrade' | 'falls-back-to-http';
export const UPDATE_CLIENT_KINDS: readonly UpdateClientKind[] = ['sound', 'skips-signature', 'accepts-any-certificate', 'accepts-downgrade', 'falls-back-to-http'];

export interface UpdateClientOptions {
  kind: UpdateClientKind;
  vendor: string;
  model: string;
  /** The factory firmware version; a factory reset returns to it. */
  factoryVersion: string;
  /** The update source the device ships with. */
  factorySource: string;
  /** Automatic updates on out of the box. */
  automaticByDefault: boolean;
  /** The manufacturer's manifest-signing public key (SPKI PEM); without it nothing verifies. */
  publicKeyPem?: string;
}

/** What one update check did, as the device reports it. */
export interface CheckOutcome {
  result: 'installed' | 'refused' | 'up-to-date' | 'error';
  version: string;
  /** Version offered by the manifest, when one was read. */
  offered?: string;
  reason?: string;
  /** URLs fetched, in order (a fallback shows as an http:// URL). */
  fetched: string[];
}

export interface UpdateClientState {
  firmwareVersion: string;
  source: string;
  automatic: boolean;
  history: { version: string; at: string; from: string }[];
}

const FETCH_TIMEOUT_MS = 3000;
const MAX_BYTES = 4 * 1024 * 1024;

/** GET a URL; resolves to the body or rejects with the transport/TLS error. */
function get(url: URL, tlsOpts: { ca?: string; rejectUnauthorized: boolean }): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const headers = { 'User-Agent': 'trustlab-bench-update-client/1' };
    const req = url.protocol === 'https:'
      ? https.get(url, { headers, agent: false, timeout: FETCH_TIMEOUT_MS, rejectUnauthorized: tlsOpts.rejectUnauthorized, ...(tlsOpts.ca ? { ca: tlsOpts.ca } : {}) })
      : http.get(url, { headers, agent: false, timeout: FETCH_TIMEOUT_MS });
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.on('error', reject);
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (c: Buffer) => {
        size += c.length;
        if (size > MAX_BYTES) req.destroy(new Error('response too large'));
        else chunks.push(c);
      });
      res.on('end', () => (res.statusCode === 200 ? resolve(Buffer.concat(chunks)) : reject(new Error(`HTTP ${res.statusCode ?? '?'}`))));
      res.on('error', reject);
    });
  });
}

/** A running update client with its mutable state. */
export class UpdateClient {
  readonly kind: UpdateClientKind;
  private readonly opts: UpdateClientOptions;
  private readonly publicKey: KeyObject | undefined;
  private state: UpdateClientState;
  private trustAnchorPem: string | undefined;
  private running: Promise<CheckOutcome> | undefined;

  constructor(opts: UpdateClientOptions) {
    this.kind = opts.kind;
    this.opts = opts;
    this.publicKey = opts.publicKeyPem ? createPublicKey(opts.publicKeyPem) : undefined;
    this.state = this.factoryState();
  }

  private factoryState(): UpdateClientState {
    return { firmwareVersion: this.opts.factoryVersion, source: this.opts.factorySource, automatic: this.opts.automaticByDefault, history: [] };
  }

  get firmwareVersion(): string {
    return this.state.firmwareVersion;
  }

  /** Settings as the device reports them. */
  settings(): { automatic: boolean; source: string } {
    return { automatic: this.state.automatic, source: this.state.source };
  }

  /** Point the client at a source; `trustAnchorPem` replaces the CA its TLS checks trust. */
  setSource(source: string, trustAnchorPem?: string): string | undefined {
    let url: URL;
    try {
      url = new URL(source);
    } catch {
      return 'not a URL';
    }
    if (url.protocol !== 'https:' && url.protocol !== 'http:') return `unsupported scheme ${url.protocol}`;
    this.state.source = url.href;
    this.trustAnchorPem = trustAnchorPem;
    return undefined;
  }

  /** Back to the factory image (kept in the recovery partition) and the factory settings. */
  factoryReset(): void {
    this.state = this.factoryState();
    this.trustAnchorPem = undefined;
  }

  /** Run one update check; concurrent calls share the running one. */
  check(): Promise<CheckOutcome> {
    return (this.running ??= this.runCheck().finally(() => (this.running = undefined)));
  }

  private async fetch(url: URL, fetched: string[]): Promise<Buffer> {
    const anyCert = this.kind === 'accepts-any-certificate';
    fetched.push(url.href);
    try {
      return await get(url, { rejectUnauthorized: !anyCert, ...(this.trustAnchorPem ? { ca: this.trustAnchorPem } : {}) });
    } catch (err) {
      if (this.kind !== 'falls-back-to-http' || url.protocol !== 'https:') throw err;
      // The flaw: a failed TLS connection is retried in cleartext on the same host and port.
      const plain = new URL(url.href);
      plain.protocol = 'http:';
      fetched.push(plain.href);
      return get(plain, { rejectUnauthorized: true });
    }
  }

  private judge(manifest: UpdateManifest, image: Buffer): string | undefined {
    if (manifest.vendor !== this.opts.vendor || manifest.model !== this.opts.model) {
      return `manifest is for ${manifest.vendor} ${manifest.model}, not this device`;
    }
    if (this.kind !== 'skips-signature') {
      if (!this.publicKey) return 'no manufacturer key provisioned';
      const bad = signatureProblem(manifest, this.publicKey);
      if (bad) return bad;
    }
    const corrupt = imageProblem(manifest, image);
    if (corrupt) return corrupt;
    const order = compareVersions(manifest.version, this.state.firmwareVersion);
    if (order === 0) return 'same version';
    if (order < 0 && this.kind !== 'accepts-downgrade') return `version ${manifest.version} is older than ${this.state.firmwareVersion} (rollback refused)`;
    return undefined;
  }

  private async runCheck(): Promise<CheckOutcome> {
    const fetched: string[] = [];
    const version = (): string => this.state.firmwareVersion;
    const source = new URL(this.state.source);
    if (source.protocol === 'http:' && this.kind !== 'falls-back-to-http') {
      return { result: 'refused', version: version(), reason: 'plaintext update source refused', fetched };
    }
    let manifest: UpdateManifest | string;
    let image: Buffer;
    try {
      manifest = parseManifest((await this.fetch(source, fetched)).toString('utf8'));
      if (typeof manifest === 'string') return { result: 'refused', version: version(), reason: manifest, fetched };
      if (parseVersion(manifest.version) === undefined) return { result: 'refused', version: version(), reason: 'bad version', fetched };
      if (compareVersions(manifest.version, version()) === 0) return { result: 'up-to-date', version: version(), offered: manifest.version, fetched };
      image = await this.fetch(new URL(manifest.image.uri, source), fetched);
    } catch (err) {
      return { result: 'error', version: version(), reason: (err as NodeJS.ErrnoException).code ?? (err as Error).message, fetched };
    }
    const why = this.judge(manifest, image);
    if (why) return { result: 'refused', version: version(), offered: manifest.version, reason: why, fetched };
    this.state.firmwareVersion = manifest.version;
    this.state.history.push({ version: manifest.version, at: new Date().toISOString(), from: fetched[fetched.length - 1]! });
    return { result: 'installed', version: version(), offered: manifest.version, fetched };
  }
}
