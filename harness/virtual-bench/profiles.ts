/**
 * What each profile runs and which weaknesses it has: the mapping from a device spec to
 * service starters and ground-truth credentials. Passwords that are meant to be unique come
 * from crypto.randomBytes, so no two devices (or runs) share one.
 */
import { randomBytes } from 'node:crypto';
import type http from 'node:http';
import type { FirmwareIdentity } from './busybox-shell.ts';
import { startCoap } from './coap-server.ts';
import { startFtp } from './ftp-server.ts';
import { startRtsp } from './rtsp-server.ts';
import { FRAGILE_TIMING } from './fragile-firmware.ts';
import { startFragileCoap } from './fragile-coap.ts';
import { startFragileHttp } from './fragile-http.ts';
import { startFragileMqtt } from './fragile-mqtt.ts';
import type { BindTarget, RunningService } from './lifecycle.ts';
import { startMqtt } from './mqtt-broker.ts';
import { labSshClientKey, startSsh } from './ssh-server.ts';
import { startTelnet } from './telnet-server.ts';
import { getLabCa, issueLabCertificate, selfSignedCertificate } from './tls-material.ts';
import { BENCH_PORTS, type BenchCredential, type BenchProfileName, type BenchServiceName } from './types.ts';
import { createWebApp, startHttp, startHttps } from './web-app.ts';

/** One service a device will start: a starter per service name. */
export type ServiceStarter = (target: BindTarget) => Promise<RunningService>;

/** Everything a profile contributes to a device. */
export interface DevicePlan {
  starters: Partial<Record<BenchServiceName, ServiceStarter>>;
  credentials: BenchCredential[];
  caPem?: string;
  sshClientKey?: string;
}

/** Identity of the device being planned. */
export interface PlanInput {
  id: string;
  address: string;
  serial: string;
  firmware: FirmwareIdentity;
}

const cred = (service: BenchServiceName, username: string, password: string): BenchCredential =>
  ({ service, port: BENCH_PORTS[service], username, password });

/** A unique, unguessable per-device password (96 bits of randomness). */
export function uniquePassword(): string {
  return randomBytes(12).toString('base64url');
}

function weakPlan(dev: PlanInput): DevicePlan {
  const web: http.RequestListener = createWebApp({
    title: 'IPCam Web', serial: dev.serial, firmwareVersion: 'V2.1.3.170301',
    serverHeader: 'lighttpd/1.4.35', account: { username: 'admin', password: 'admin' },
    basicAuth: true, secureCookies: false,
  });
  const wifi = { wifi_ssid: 'HomeNet', wifi_psk: 'sunshine2017' };
  return {
    credentials: [
      cred('ssh', 'admin', 'admin'), cred('telnet', 'root', 'xc3511'),
      cred('http', 'admin', 'admin'), cred('https', 'admin', 'admin'),
      cred('ftp', 'admin', 'admin'), cred('ftp', 'anonymous', ''), cred('rtsp', 'admin', 'admin'),
    ],
    starters: {
      ssh: (target) => startSsh({
        target, firmware: dev.firmware, ident: 'dropbear_2014.63',
        passwordUsers: [{ username: 'admin', password: 'admin' }], keyboardInteractive: true,
        authorizedKeys: [], legacyAlgorithms: true,
      }),
      telnet: (target) => startTelnet({ target, firmware: dev.firmware, users: [{ username: 'root', password: 'xc3511' }] }),
      http: (target) => startHttp(target, web),
      https: async (target) =>
        startHttps(target, web, await selfSignedCertificate(dev.id, dev.address, { bits: 1024, expired: true }), 'legacy'),
      mqtt: (target) => startMqtt({
        target,
        retained: [
          { topic: `devices/${dev.serial}/status`, payload: '{"online":true}' },
          { topic: `devices/${dev.serial}/config`, payload: JSON.stringify(wifi) },
        ],
      }),
      coap: (target) => startCoap({
        target,
        config: { device_name: dev.firmware.hostname, ...wifi, admin_password: 'admin', cloud_url: 'http://cloud.invalid/api' },
        status: { serial: dev.serial, firmware: 'V2.1.3.170301', online: 'true' },
      }),
      ftp: (target) => startFtp({ target, users: [{ username: 'admin', password: 'admin' }], anonymous: true }),
      rtsp: (target) => startRtsp({ target, auth: 'digest', users: [{ username: 'admin', password: 'admin' }], paths: ['/live', '/stream1'] }),
    },
  };
}

async function hardenedPlan(dev: PlanInput): Promise<DevicePlan> {
  const password = uniquePassword();
  const clientKey = labSshClientKey();
  const ca = await getLabCa();
  let material: ReturnType<typeof issueLabCertificate> | undefined;
  // https and mqtts share one certificate; issued on first use so a failure names the service.
  const certificate = (): ReturnType<typeof issueLabCertificate> => (material ??= issueLabCertificate(dev.id, dev.address));
  const web = createWebApp({
    title: 'SecureCam', serial: dev.serial, firmwareVersion: '4.2.0',
    account: { username: 'admin', password }, basicAuth: false, lockoutAfter: 5, secureCookies: true,
  });
  return {
    credentials: [cred('https', 'admin', password), cred('mqtts', 'device', password)],
    caPem: ca.pem,
    sshClientKey: clientKey,
    starters: {
      ssh: (target) => startSsh({
        target, firmware: dev.firmware, ident: 'dropbear',
        passwordUsers: [], keyboardInteractive: false, authorizedKeys: [clientKey], legacyAlgorithms: false,
      }),
      https: async (target) => startHttps(target, web, await certificate(), 'modern'),
      mqtts: async (target) => startMqtt({
        target, users: [{ username: 'device', password }],
        tls: { material: await certificate(), grade: 'modern' }, retained: [], lockoutAfter: 5,
      }),
    },
  };
}

function mixedPlan(dev: PlanInput): DevicePlan {
  const password = uniquePassword();
  const web = createWebApp({
    title: 'SmartPlug', serial: dev.serial, firmwareVersion: '1.8.7',
    serverHeader: 'lighttpd', account: { username: 'admin', password }, basicAuth: true, secureCookies: false,
  });
  return {
    credentials: [
      cred('ssh', 'admin', password), cred('http', 'admin', password),
      cred('https', 'admin', password), cred('mqtt', 'device', password),
    ],
    starters: {
      ssh: (target) => startSsh({
        target, firmware: dev.firmware, ident: 'dropbear_2019.78',
        passwordUsers: [{ username: 'admin', password }], keyboardInteractive: false,
        authorizedKeys: [], legacyAlgorithms: false,
      }),
      http: (target) => startHttp(target, web),
      https: async (target) =>
        startHttps(target, web, await selfSignedCertificate(dev.id, dev.address, { bits: 2048, expired: false }), 'legacy'),
      mqtt: (target) => startMqtt({
        target, users: [{ username: 'device', password }],
        retained: [{ topic: `devices/${dev.serial}/status`, payload: '{"online":true}' }],
      }),
    },
  };
}

// Parsers with planted bugs (fragile-*.ts); no credentials: MQTT is anonymous, HTTP has no login.
function fragilePlan(): DevicePlan {
  return {
    credentials: [],
    starters: {
      http: (target) => startFragileHttp(target, FRAGILE_TIMING),
      mqtt: (target) => startFragileMqtt(target, FRAGILE_TIMING),
      coap: (target) => startFragileCoap(target, FRAGILE_TIMING),
    },
  };
}

/** The plan of a device for its profile. */
export async function planDevice(profile: BenchProfileName, dev: PlanInput): Promise<DevicePlan> {
  switch (profile) {
    case 'weak':
      return weakPlan(dev);
    case 'hardened':
      return hardenedPlan(dev);
    case 'mixed':
      return mixedPlan(dev);
    case 'fragile':
      return fragilePlan();
  }
}
