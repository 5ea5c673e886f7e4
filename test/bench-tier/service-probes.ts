/**
 * Client side of the bench-tier service checks, run INSIDE the bench namespace by runInBench
 * (its addresses exist nowhere else). argv[2] is the JSON device list; prints one JSON object
 * of probe name -> outcome. Every probe is bounded, so a wedged daemon reads as "timeout".
 */
import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import net from 'node:net';
import tls from 'node:tls';
import http from 'node:http';
import mqtt from 'mqtt';
import { Client as SshClient } from 'ssh2';
import type { BenchCredential, BenchDevice } from './daemons.ts';

const LIMIT_MS = 4000;

function bounded<T>(work: Promise<T>): Promise<T | 'timeout'> {
  return Promise.race([work, new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), LIMIT_MS).unref())]);
}

function ssh(host: string, c: BenchCredential, password: string): Promise<string> {
  return new Promise((resolve) => {
    const client = new SshClient();
    client.once('ready', () => {
      client.exec('id -un', (err, stream) => {
        if (err) return resolve(`exec-error ${err.message}`);
        let out = '';
        stream.on('data', (b: Buffer) => (out += b.toString()));
        stream.once('close', () => {
          client.end();
          resolve(`accepted ${out.trim()}`);
        });
      });
    });
    client.once('error', (e: Error & { level?: string }) =>
      resolve(e.level === 'client-authentication' ? 'rejected' : `error ${e.message}`),
    );
    client.connect({ host, port: c.port, username: c.username, password, readyTimeout: LIMIT_MS, tryKeyboard: false });
  });
}

/** Telnet login: refuse every option the server offers, answer the prompts, run `id -un`. */
function telnet(host: string, c: BenchCredential, password: string): Promise<string> {
  return new Promise((resolve) => {
    const s = net.connect(c.port, host);
    let text = '';
    let step = 0;
    s.on('data', (d: Buffer) => {
      const reply: number[] = [];
      for (let i = 0; i < d.length; i++) {
        if (d[i] === 255 && i + 2 < d.length) {
          const cmd = d[i + 1];
          // DO -> WONT, WILL -> DONT: the plainest terminal there is.
          if (cmd === 253) reply.push(255, 252, d[i + 2]!);
          if (cmd === 251) reply.push(255, 254, d[i + 2]!);
          i += 2;
        } else text += String.fromCharCode(d[i]!);
      }
      if (reply.length) s.write(Buffer.from(reply));
      if (step === 0 && /login: *$/.test(text)) {
        step = 1;
        s.write(`${c.username}\r\n`);
      } else if (step === 1 && /assword: *$/.test(text)) {
        step = 2;
        text = '';
        s.write(`${password}\r\n`);
      } else if (step === 2 && /[$#] *$/.test(text)) {
        step = 3;
        s.write('id -un; exit\r\n');
      } else if (step === 2 && /incorrect/i.test(text)) {
        step = 4;
        s.destroy();
        resolve('rejected');
      }
    });
    s.once('close', () => resolve(step === 3 ? `accepted ${/\n(\S+)\r?\n/.exec(text)?.[1] ?? ''}` : 'closed'));
    s.once('error', (e) => resolve(`error ${e.message}`));
  });
}

function httpStatus(host: string, port: number, path: string, auth?: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const headers = auth === undefined ? {} : { authorization: `Basic ${Buffer.from(auth).toString('base64')}` };
    http.get({ host, port, path, headers, agent: false }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    }).once('error', reject);
  });
}

function mqttConnect(host: string, username?: string, password?: string): Promise<string> {
  return new Promise((resolve) => {
    const client = mqtt.connect({ host, port: 1883, username, password, reconnectPeriod: 0, connectTimeout: LIMIT_MS });
    client.once('connect', () => client.end(true, () => resolve('accepted')));
    client.once('error', (e: Error & { code?: number }) => {
      client.end(true);
      resolve(e.code === 5 || e.code === 4 || e.code === 135 ? 'rejected' : `error ${e.message}`);
    });
  });
}

function tlsFingerprint(host: string): Promise<string> {
  return new Promise((resolve, reject) => {
    // The bench certificate is self-signed on purpose; we compare it to the file instead.
    const s = tls.connect({ host, port: 443, rejectUnauthorized: false }, () => {
      resolve(s.getPeerX509Certificate()?.fingerprint256 ?? '');
      s.end();
    });
    s.once('error', reject);
  });
}

async function probeAll(devices: BenchDevice[]): Promise<Record<string, unknown>> {
  const jobs: Record<string, Promise<unknown>> = {};
  for (const d of devices) {
    for (const c of d.credentials ?? []) {
      const key = `${d.id}/${c.service}`;
      if (c.service === 'ssh') {
        jobs[`${key}/good`] = ssh(d.address, c, c.password);
        jobs[`${key}/bad`] = ssh(d.address, c, `${c.password}-wrong`);
      } else if (c.service === 'telnet') {
        jobs[`${key}/good`] = telnet(d.address, c, c.password);
      } else if (c.service === 'http-basic') {
        jobs[`${key}/none`] = httpStatus(d.address, c.port, `${c.path}/`);
        jobs[`${key}/good`] = httpStatus(d.address, c.port, `${c.path}/`, `${c.username}:${c.password}`);
        jobs[`${key}/public`] = httpStatus(d.address, c.port, '/');
      } else {
        jobs[`${key}/anonymous`] = mqttConnect(d.address);
        jobs[`${key}/good`] = mqttConnect(d.address, c.username, c.password);
      }
    }
    if (d.id === 'mqtt-anonymous') jobs[`${d.id}/anonymous`] = mqttConnect(d.address);
    if (d.tlsCertPath !== undefined) {
      const expected = new X509Certificate(readFileSync(d.tlsCertPath)).fingerprint256;
      jobs[`${d.id}/tls`] = tlsFingerprint(d.address).then((fp) => (fp === expected ? 'bench-cert' : `other ${fp}`));
      jobs[`${d.id}/http`] = httpStatus(d.address, 80, '/');
    }
  }
  const out: Record<string, unknown> = {};
  await Promise.all(
    Object.entries(jobs).map(async ([key, job]) => {
      out[key] = await bounded(job).catch((e: Error) => `error ${e.message}`);
    }),
  );
  return out;
}

const devices = JSON.parse(process.argv[2] ?? '[]') as BenchDevice[];
console.log(JSON.stringify(await probeAll(devices)));
// ssh2 and mqtt may hold sockets in linger; the answer is printed, so leave now.
process.exit(0);
