/**
 * The plain-data model shared by the harness, suites and report builder. Declarations (the
 * lab config) and results (findings) are separate types: a declaration never holds a result.
 */

/** The four outcomes of a test case (ETSI TS 103 701 verdicts plus "could not test"). */
export type Verdict = 'pass' | 'fail' | 'inconclusive' | 'not-applicable';
export const VERDICTS: readonly Verdict[] = ['pass', 'fail', 'inconclusive', 'not-applicable'];

export type Transport = 'tcp' | 'udp';

/** A service the manufacturer declares. */
export interface DeclaredService {
  port: number;
  transport: Transport;
  service: string;
  auth?: 'none' | 'password' | 'key' | 'certificate' | 'token';
  /** True when the manufacturer declares the interface present but disabled by default. */
  disabled?: boolean;
}

export interface ProductIdentity {
  manufacturer: string;
  model: string;
  hardwareVersion?: string;
  firmwareVersion?: string;
  serial?: string;
}

/** Per-device limits shared by every job that touches the device. */
export interface DeviceBudget {
  /** Sockets open at once to this device, across all jobs. */
  maxSockets: number;
  /** Authentication attempts (or other paced actions) per second. */
  attemptsPerSecond: number;
}

/** Which ports the open-ports suite covers. */
export interface PortSelection {
  tcp: string;
  udp: string;
}

export interface DeviceConfig {
  id: string;
  address: string;
  product: ProductIdentity;
  declared: {
    services: DeclaredService[];
    passwords?: 'unique-per-device' | 'user-defined-at-setup' | 'none';
    updates?: { automatic?: boolean; channel?: string; signingKey?: string };
    supportEndDate?: string;
    /** Registry data only the manufacturer can supply (47 CFR 8.222 fields 6, 7, 8, 10). */
    registry?: { passwordChangeInstructions?: string; secureConfiguration?: string; updateInstructions?: string; sbom?: boolean; hbom?: boolean };
    /** CA certificate(s) the device's TLS chains must lead to: inline PEM, or a path (made absolute at load). */
    tlsCa?: string;
  };
  profile?: string;
  samples?: { id: string; address: string; serial?: string; mac?: string }[];
  budget: DeviceBudget;
  ports: PortSelection;
  /** Lab-provided credentials for authenticated tests: never written to reports or logs. */
  credentials?: { username: string; password: string }[];
  /** Name of the virtual bench profile when the device is emulated. */
  virtual?: { profile: string };
  /** Fuzzing limits of the robustness suite (defaults applied when the object is given). */
  robustness?: RobustnessLimits;
}

/** Time budget and pace of the robustness suite's fuzzing on one device. */
export interface RobustnessLimits {
  secondsPerService: number;
  casesPerSecond?: number;
  rebootWaitSeconds: number;
  seed?: number;
}

export interface LabConfig {
  lab: {
    name: string;
    accreditation: { body: string; certificate: string; scope: string };
    signer: { name: string; role: string };
    key: string;
  };
  network: { scope: string[]; namespace?: string };
  devices: DeviceConfig[];
  suites: string[];
  plugins: string[];
  standards: { id: string; edition: string }[];
}

/** A config as loaded: the frozen object plus where it came from. */
export interface LoadedConfig {
  config: Readonly<LabConfig>;
  path: string;
  /** sha256 of the config file bytes, recorded in every report. */
  digest: string;
}

/** An endpoint a finding is about. */
export interface Target {
  transport: Transport;
  port: number;
  service?: string;
}

export type PortState = 'open' | 'closed' | 'filtered' | 'open|filtered';

/** What discovery found on one port. */
export interface DiscoveredService {
  transport: Transport;
  port: number;
  state: PortState;
  service?: string;
  banner?: string;
  product?: string;
  version?: string;
  /** How the service was identified: "port", "banner", "probe", "nmap". */
  identifiedBy?: string;
}

/** A reference to an evidence file in the store. */
export interface EvidenceRef {
  path: string;
  sha256: string;
  mediaType: string;
}

/** One verdict of one test case on one device and target. */
export interface Finding {
  testId: string;
  checkId: string;
  deviceId: string;
  status: Verdict;
  target?: Target;
  summary: string;
  data?: Record<string, unknown>;
  evidence: EvidenceRef[];
  requirements: string[];
}
