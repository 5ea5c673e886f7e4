/**
 * The plugin interfaces: a plugin is validated metadata plus one function. Each interface
 * carries a version so third-party plugins can say which one they were written against.
 */
import type { DeviceConfig, DiscoveredService, EvidenceRef, Finding, LabConfig, Target, Verdict } from '../model.ts';
import type { ScopeGuard } from '../scope/guard.ts';
import type { DeviceBudgetGate } from '../scheduler/budget.ts';

export const CHECK_API_VERSION = 1;
export const ADAPTER_API_VERSION = 1;
export const WRITER_API_VERSION = 1;
/** 2: capabilities as named below and one ProfileContext per call (1 had only readIdentity(device, guard)). */
export const PROFILE_API_VERSION = 2;

/** What a check reports; the runner adds checkId, deviceId and requirements. */
export interface CheckResult {
  testId: string;
  status: Verdict;
  target?: Target;
  summary: string;
  data?: Record<string, unknown>;
  evidence?: EvidenceRef[];
}

/** Everything a check may use. Checks never open sockets except through `guard`. */
export interface CheckContext {
  readonly config: Readonly<LabConfig>;
  readonly device: Readonly<DeviceConfig>;
  readonly guard: ScopeGuard;
  readonly budget: DeviceBudgetGate;
  readonly signal: AbortSignal;
  /** Services discovery found on this device (empty when no discovery ran). */
  discovered(): readonly DiscoveredService[];
  /** True once a discovery for this device has been recorded (even one that found nothing). */
  discoveryRan(): boolean;
  /** Record what discovery found; journaled at once so a resumed run keeps it. */
  recordDiscovery(services: readonly DiscoveredService[], scanned?: Record<string, unknown>): Promise<void>;
  /** Store an evidence file (content-addressed) and get its reference. */
  putEvidence(name: string, bytes: Uint8Array | string, mediaType: string): Promise<EvidenceRef>;
  /** Report progress for the live display: done of total units of work. */
  progress(done: number, total: number, note?: string): void;
  /** The device profile the config names (device.profile), if it is registered. */
  profile?(): ProfilePlugin | undefined;
}

/** A suite check: metadata plus `run`. Its id is its path under suites/. */
export interface CheckPlugin {
  apiVersion: typeof CHECK_API_VERSION;
  id: string;
  version: string;
  title: string;
  /** Test-case ids this check can emit (e.g. CTM-PT-01). */
  testIds: string[];
  /** Adapter ids this check needs. */
  needs: string[];
  /** True to run, or a reason string for not-applicable. */
  appliesTo(device: Readonly<DeviceConfig>): true | string;
  run(ctx: CheckContext): Promise<CheckResult[]>;
}

/** A suite: an ordered list of checks, and the suites it must come after. */
export interface SuitePlugin {
  apiVersion: typeof CHECK_API_VERSION;
  id: string;
  version: string;
  title: string;
  after: string[];
  checks: CheckPlugin[];
}

/** Where an adapter's probe goes, and the limits it must respect. */
export interface EndpointTarget {
  guard: ScopeGuard;
  address: string;
  port: number;
  /** Milliseconds for connect plus reply; the socket is destroyed after. */
  timeoutMs?: number;
  /** The device's socket budget, when a check runs the probe. */
  budget?: Pick<DeviceBudgetGate, 'acquireSocket'>;
  signal?: AbortSignal;
}

/** A protocol adapter's metadata; the session functions are adapter-specific. */
export interface AdapterPlugin {
  apiVersion: typeof ADAPTER_API_VERSION;
  id: string;
  version: string;
  title: string;
  protocols: string[];
}

/** A report writer: a pure render of the finished report to bytes. */
export interface WriterPlugin {
  apiVersion: typeof WRITER_API_VERSION;
  id: string;
  version: string;
  title: string;
  mediaType: string;
  fileName: string;
  render(report: unknown): Uint8Array;
}

/** What a device profile can do; a suite step that needs a missing one is inconclusive, naming it. */
export type ProfileCapability =
  | 'read-identity'
  | 'set-update-source'
  | 'trigger-update-check'
  | 'read-update-settings'
  | 'factory-reset';
export const PROFILE_CAPABILITIES: readonly ProfileCapability[] = ['read-identity', 'set-update-source', 'trigger-update-check', 'read-update-settings', 'factory-reset'];

/** What a profile method gets: the device, the scope guard for every socket, and its secret. */
export interface ProfileContext {
  readonly device: Readonly<DeviceConfig>;
  readonly guard: ScopeGuard;
  readonly signal: AbortSignal;
  /** The lab-provided secret from the device's profileAccess: never log or return it. */
  readonly access?: Readonly<{ token?: string }>;
}

/** Identity as the device reports it. */
export interface DeviceIdentity {
  firmwareVersion?: string;
  serial?: string;
  model?: string;
  vendor?: string;
}

/** The device's update settings as it reports them. */
export interface UpdateSettings {
  automatic?: boolean;
  /** Update sources (URLs) the device is configured with. */
  sources?: string[];
}

/** Where the device should look for its next update. */
export interface UpdateSource {
  url: string;
  /** PEM of the CA the lab's update server certificate chains to. */
  trustAnchorPem: string;
}

/** The outcome of pointing a device at a source: done, or refused by the device (a result). */
export type PointOutcome = { pointed: true } | { pointed: false; why: string };

/** The outcome of an update check: finished within the time, and what the device said. */
export interface TriggerOutcome {
  finished: boolean;
  /** The device's own account (e.g. "refused: signature does not verify"), for evidence. */
  deviceSays?: string;
}

/**
 * A device profile: what only the manufacturer knows about driving the device. Each method
 * exists exactly when its capability is listed. Device behaviour is a value; a method throws
 * only a TrustlabError (TL_PROFILE, TL_TRANSPORT) when the profile itself cannot work.
 * adapters/profiles/template.ts is the documented starting point for a manufacturer.
 */
export interface ProfilePlugin {
  apiVersion: typeof PROFILE_API_VERSION;
  id: string;
  version: string;
  title: string;
  capabilities: ProfileCapability[];
  /** When the device's update source cannot be set: how the lab network redirects it instead. */
  updateRedirect?: string;
  /** read-identity: the device's firmware version (and serial, model) as it reports them. */
  readIdentity?(ctx: ProfileContext): Promise<DeviceIdentity>;
  /** set-update-source: make the device look for updates at `source`. */
  setUpdateSource?(ctx: ProfileContext, source: UpdateSource): Promise<PointOutcome>;
  /** trigger-update-check: start an update check and wait for it to end, at most `timeoutMs`. */
  triggerUpdateCheck?(ctx: ProfileContext, timeoutMs: number): Promise<TriggerOutcome>;
  /** read-update-settings: automatic on/off and the configured sources. */
  readUpdateSettings?(ctx: ProfileContext): Promise<UpdateSettings>;
  /** factory-reset: factory settings and, where the device keeps it, the factory firmware. */
  factoryReset?(ctx: ProfileContext): Promise<void>;
}

/** A finding with its place in the run, as the report builder receives it. */
export type RecordedFinding = Finding;

/** What one login attempt on an authentication surface came to (device behaviour, never an error). */
export type LoginOutcome = 'accepted' | 'rejected' | 'locked-out' | 'not-offered';

/** A username and password to try; `password` may be empty. */
export interface LoginCredential {
  username: string;
  password: string;
}

/** One attempt's outcome with what was said on the wire, for evidence. */
export interface LoginResult {
  outcome: LoginOutcome;
  credential: LoginCredential;
  /** Short reason: the reply code or text that decided the outcome. */
  detail: string;
  /** Milliseconds from sending the credential to the decision. */
  elapsedMs: number;
  /** What was sent and received, as readable text. */
  transcript: string;
}

/** Where a login adapter goes: an endpoint plus the device's attempt pacer. */
export interface LoginTarget extends EndpointTarget {
  /** Paces each attempt on the device's budget, shared with the rest of the run. */
  budget?: Pick<DeviceBudgetGate, 'acquireSocket' | 'paceAttempt'>;
}
