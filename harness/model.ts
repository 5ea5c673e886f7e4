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
  /** "default" is the scan core's UDP probe list. */
  udp: string;
  /** "nmap": after banner and probe, nmap -sV on the open TCP ports. */
  versionDetection?: 'banner' | 'nmap';
}

export interface DeviceConfig {
  id: string;
  address: string;
  product: ProductIdentity;
  declared: {
    services: DeclaredService[];
    passwords?: 'unique-per-device' | 'user-defined-at-setup' | 'none';
    /**
     * The update mechanism: automatic by default, the channel (URL) the device updates from, the
     * manufacturer's manifest-signing public key (inline PEM or a path, made absolute at load), and
     * whether an authenticated downgrade is a declared feature (CTM-UP-04).
     */
    updates?: { automatic?: boolean; channel?: string; signingKey?: string; authenticatedDowngrade?: boolean };
    supportEndDate?: string;
    /** Registry data only the manufacturer can supply (47 CFR 8.222 fields 6, 7, 8, 10). */
    registry?: { passwordChangeInstructions?: string; secureConfiguration?: string; updateInstructions?: string; sbom?: boolean; hbom?: boolean };
    /** CA certificate(s) the device's TLS chains must lead to: inline PEM, or a path (made absolute at load). */
    tlsCa?: string;
  };
  profile?: string;
  samples?: { id: string; address: string; serial?: string; mac?: string; password?: string; ssid?: string }[];
  /** What the lab read off this unit's label (CTM-DP-03); the password is a secret, never reported. */
  label?: { password?: string; mac?: string; ssid?: string };
  budget: DeviceBudget;
  ports: PortSelection;
  /** Lab-provided credentials for authenticated tests: never written to reports or logs. */
  credentials?: { username: string; password: string }[];
  /** Name of the virtual bench profile when the device is emulated (and its update client, if not the profile's). */
  virtual?: { profile: string; updateClient?: 'sound' | 'skips-signature' | 'accepts-any-certificate' | 'accepts-downgrade' | 'falls-back-to-http' };
  /** Secret the device profile uses to drive the device (its management token): never written to reports or logs. */
  profileAccess?: { token?: string };
  /** What the lab holds to make update test images: the manufacturer's test-signing private key (inline PEM, or a path made absolute at load). Secret. */
  updateTest?: { signingKey: string };
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
  /** `updateServer`: the loopback address in scope where the update-mechanism suite's update server listens. */
  network: { scope: string[]; namespace?: string; updateServer?: string };
  devices: DeviceConfig[];
  suites: string[];
  plugins: string[];
  standards: { id: string; edition: string }[];
  /** Lab-provided default-credential lists (CSV paths, made absolute at load) for the default-passwords suite. */
  credentialLists?: string[];
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
