import type { BenchUpdateSpec } from './update-client-spec.ts';
import type { UpdateClient } from './update-client.ts';

/**
 * Public shapes of the virtual bench and the documented port list of each profile. The port
 * list is fixed (high ports, the same with or without root) so that a harness without a
 * network namespace can scan exactly these ports instead of a full range.
 */

/** The three emulated device profiles. */
export type BenchProfileName = 'weak' | 'hardened' | 'mixed' | 'fragile';

/** Every profile name, in documentation order. */
export const BENCH_PROFILE_NAMES: readonly BenchProfileName[] = ['weak', 'hardened', 'mixed', 'fragile'];

/** One listening service of an emulated device. */
export interface BenchService {
  transport: 'tcp' | 'udp';
  port: number;
  service: string;
  tls?: boolean;
}

/** Ground-truth credentials a device accepts: for tests and bench checks, never for reports. */
export interface BenchCredential {
  service: string;
  port: number;
  username: string;
  password: string;
}

/** A running emulated device. */
export interface VirtualDevice {
  id: string;
  address: string;
  profile: BenchProfileName;
  serial: string;
  services: BenchService[];
  credentials: BenchCredential[];
  /** PEM of the lab CA that issued the device's TLS certificates (hardened only). */
  caPem?: string;
  /** OpenSSH private key the device trusts for publickey login (hardened only). */
  sshClientKey?: string;
  /** The device's firmware update client (driven through /api/v1/ on its https service). */
  updateClient?: UpdateClient;
  stop(): Promise<void>;
}

/** What to start: a device id, its loopback address and its profile. */
export interface BenchDeviceSpec {
  id: string;
  address: string;
  profile: BenchProfileName;
  serial?: string;
  /** Update client kind and factory state; profile defaults when absent (update-client-spec.ts). */
  update?: BenchUpdateSpec;
}

/** A set of running devices stopped together. */
export interface Bench {
  devices: VirtualDevice[];
  stop(): Promise<void>;
}

/** The fixed ports; the same whether or not the bench runs as root. */
export const BENCH_PORTS = {
  ssh: 2222,
  telnet: 2323,
  http: 8080,
  https: 8443,
  mqtt: 1883,
  mqtts: 8883,
  coap: 5683,
  ftp: 2121,
  rtsp: 8554,
} as const;

/** Names of the services a bench device can run. */
export type BenchServiceName = keyof typeof BENCH_PORTS;

const SERVICE_DEFS: Record<BenchServiceName, BenchService> = {
  ssh: { transport: 'tcp', port: BENCH_PORTS.ssh, service: 'ssh' },
  telnet: { transport: 'tcp', port: BENCH_PORTS.telnet, service: 'telnet' },
  http: { transport: 'tcp', port: BENCH_PORTS.http, service: 'http' },
  https: { transport: 'tcp', port: BENCH_PORTS.https, service: 'https', tls: true },
  mqtt: { transport: 'tcp', port: BENCH_PORTS.mqtt, service: 'mqtt' },
  mqtts: { transport: 'tcp', port: BENCH_PORTS.mqtts, service: 'mqtts', tls: true },
  coap: { transport: 'udp', port: BENCH_PORTS.coap, service: 'coap' },
  ftp: { transport: 'tcp', port: BENCH_PORTS.ftp, service: 'ftp' },
  rtsp: { transport: 'tcp', port: BENCH_PORTS.rtsp, service: 'rtsp' },
};

/** The service descriptor for one service name (a fresh copy, safe to hand out). */
export function serviceDef(name: BenchServiceName): BenchService {
  return { ...SERVICE_DEFS[name] };
}

const PROFILE_SERVICES: Record<BenchProfileName, BenchServiceName[]> = {
  weak: ['ssh', 'telnet', 'http', 'https', 'mqtt', 'coap', 'ftp', 'rtsp'],
  hardened: ['ssh', 'https', 'mqtts'],
  mixed: ['ssh', 'http', 'https', 'mqtt'],
  fragile: ['http', 'mqtt', 'coap'],
};

/** The service names a profile starts, in start order. */
export function profileServiceNames(profile: BenchProfileName): readonly BenchServiceName[] {
  return PROFILE_SERVICES[profile];
}

/** The documented port list and weaknesses of each profile. */
export const BENCH_PROFILES: Record<BenchProfileName, { description: string; services: BenchService[] }> = {
  weak: {
    description:
      'Default credentials everywhere: ssh admin/admin (password and keyboard-interactive, legacy ' +
      'kex/ciphers offered), telnet root/xc3511 with a BusyBox shell, http admin/admin (basic auth ' +
      'on /admin, form login on /login) with a "Server: lighttpd/1.4.35" version banner, https ' +
      'with TLS 1.0/1.1 enabled and an expired self-signed RSA-1024 certificate, anonymous MQTT, ' +
      'CoAP /config readable and writable without auth, FTP with anonymous login and admin/admin ' +
      '(passive data ports on the device address), RTSP /live behind digest auth admin/admin.',
    services: PROFILE_SERVICES.weak.map(serviceDef),
  },
  hardened: {
    description:
      'ssh publickey only (no password method offered), https TLS 1.2+ with a certificate from ' +
      'the lab CA and a form login that locks after 5 failures (429), MQTT over TLS only with a ' +
      'unique random password per device that locks after 5 failures; nothing else open.',
    services: PROFILE_SERVICES.hardened.map(serviceDef),
  },
  mixed: {
    description:
      'Unique random password per device (ssh password auth, http, https, mqtt), but the admin ' +
      'page is served over plaintext http with basic auth, https still allows TLS 1.0 (valid ' +
      'self-signed certificate) and MQTT is plaintext; telnet closed.',
    services: PROFILE_SERVICES.mixed.map(serviceDef),
  },
  fragile: {
    description:
      'Hand-written C-style parsers with planted bugs for the fuzzer (robustness suite): MQTT ' +
      '(client id copied by its length field, SUBSCRIBE topic length trusted past the packet, ' +
      'PUBLISH with QoS 3), CoAP (option number overflow through extended deltas, a Block1 ' +
      'block without its first block) and HTTP (an Authorization value over a 256-byte buffer; a Content-' +
      'Length negative as a 32-bit int hangs it). A crash takes the daemon down for 250 ms, a hang lasts 1.2 s ' +
      'until the watchdog reboots it. Anonymous MQTT, plaintext HTTP and CoAP.',
    services: PROFILE_SERVICES.fragile.map(serviceDef),
  },
};
