import mqtt from 'mqtt';
import ssh2 from 'ssh2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startVirtualDevice, type VirtualDevice } from '../../../harness/virtual-bench/index.ts';
import { RawSession, coapRequest, httpRequest, mqttConnect, sshLogin, sshOfferedMethods, tlsHandshake } from './clients.ts';

const ADDRESS = '127.77.1.11';
let device: VirtualDevice;

beforeAll(async () => {
  device = await startVirtualDevice({ id: 'weak-1', address: ADDRESS, profile: 'weak', serial: 'SN-WEAK-0001' });
});
afterAll(async () => {
  await device?.stop();
});

describe('weak profile: ssh', () => {
  it('offers password and keyboard-interactive and a dated dropbear banner', async () => {
    const methods = await sshOfferedMethods(ADDRESS);
    expect(methods).toEqual(expect.arrayContaining(['password', 'keyboard-interactive']));
    const raw = await RawSession.open(ADDRESS, 2222);
    await raw.waitFor(/SSH-2\.0-dropbear_2014\.63/);
    raw.close();
  });

  it('accepts admin/admin by password and answers a command', async () => {
    const result = await sshLogin(ADDRESS, { username: 'admin', password: 'admin' }, 'cat /proc/version');
    expect(result.ok).toBe(true);
    expect(result.output).toContain('Linux version 3.10.14');
  });

  it('negotiates legacy SHA-1 key exchange and CBC ciphers and gives an interactive shell', async () => {
    const client = new ssh2.Client();
    const transcript = await new Promise<string>((resolve, reject) => {
      client.on('error', reject);
      client.on('ready', () => {
        client.shell((err, stream) => {
          if (err) return reject(err);
          let out = '';
          stream.on('data', (d: Buffer) => {
            out += d.toString();
            if (out.endsWith('# ') && !out.includes('uid=')) stream.write('id\r\n');
            else if (out.includes('uid=0(root)') && out.endsWith('# ')) stream.write('exit\r\n');
          });
          stream.on('close', () => resolve(out));
        });
      });
      client.connect({
        host: ADDRESS, port: 2222, username: 'admin', password: 'admin', readyTimeout: 5000,
        algorithms: { kex: ['diffie-hellman-group1-sha1'], cipher: ['aes128-cbc'], hmac: ['hmac-sha1'], serverHostKey: ['ssh-rsa'] },
      });
    }).finally(() => client.end());
    expect(transcript).toContain('BusyBox v1.24.1');
    expect(transcript).toContain('uid=0(root) gid=0(root)');
  });

  it('accepts admin/admin by keyboard-interactive and rejects a wrong password', async () => {
    expect((await sshLogin(ADDRESS, { username: 'admin', password: 'admin', tryKeyboard: true })).ok).toBe(true);
    expect((await sshLogin(ADDRESS, { username: 'admin', password: 'wrong' })).ok).toBe(false);
  });
});

describe('weak profile: telnet', () => {
  it('logs in with root/xc3511 and answers cat /proc/version at the # prompt', async () => {
    const s = await RawSession.open(ADDRESS, 2323);
    await s.waitFor(/login: $/);
    expect(s.text.charCodeAt(0)).toBe(255); // IAC option negotiation, as busybox telnetd sends
    s.send('root\r\n');
    await s.waitFor(/Password: $/);
    const mark = s.text.length;
    s.send('xc3511\r\n');
    await s.waitFor(/BusyBox v1\.24\.1[\s\S]*# $/, mark);
    expect(s.text.slice(mark)).not.toContain('xc3511'); // the password is not echoed
    const before = s.text.length;
    s.send('cat /proc/version\r\n');
    await s.waitFor(/Linux version[\s\S]*# $/, before);
    s.send('/bin/busybox MIRAI\r\n');
    await s.waitFor(/MIRAI: applet not found/, before);
    s.close();
  });

  it('says "Login incorrect" for wrong credentials and hangs up after three', async () => {
    const s = await RawSession.open(ADDRESS, 2323);
    let from = 0;
    for (let i = 0; i < 3; i++) {
      await s.waitFor(/login: $/, from);
      from = s.text.length;
      s.send('root\r\n');
      await s.waitFor(/Password: $/, from);
      s.send('nope\r\n');
      await s.waitFor(/Login incorrect/, from);
      from = s.text.indexOf('Login incorrect', from);
    }
    expect(await s.waitClosed()).toBe(true);
    s.close();
  });
});

describe('weak profile: web', () => {
  it('answers basic auth with 200 for admin/admin and 401 otherwise, revealing lighttpd/1.4.35', async () => {
    const url = `http://${ADDRESS}:8080/admin`;
    const good = await httpRequest(url, { headers: { Authorization: `Basic ${Buffer.from('admin:admin').toString('base64')}` } });
    expect(good.status).toBe(200);
    expect(good.headers.server).toBe('lighttpd/1.4.35');
    const none = await httpRequest(url);
    expect(none.status).toBe(401);
    expect(none.headers['www-authenticate']).toMatch(/^Basic realm=/);
    const bad = await httpRequest(url, { headers: { Authorization: `Basic ${Buffer.from('admin:x').toString('base64')}` } });
    expect(bad.status).toBe(401);
  });

  it('form login with admin/admin sets a cookie and redirects to /status', async () => {
    const res = await httpRequest(`http://${ADDRESS}:8080/login`, {
      method: 'POST', body: 'user=admin&pass=admin', headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    });
    expect(res.status).toBe(302);
    expect(res.headers.location).toBe('/status');
    const cookie = String(res.headers['set-cookie']?.[0]).split(';')[0] ?? '';
    expect(cookie).toMatch(/^session=[0-9a-f]{32}$/);
    expect(res.headers['set-cookie']?.[0]).not.toMatch(/HttpOnly|Secure/);
    const status = await httpRequest(`http://${ADDRESS}:8080/status`, { headers: { Cookie: cookie } });
    expect(status.status).toBe(200);
    expect(status.body).toContain('SN-WEAK-0001');
    const failed = await httpRequest(`http://${ADDRESS}:8080/login`, { method: 'POST', body: 'user=admin&pass=x' });
    expect(failed.status).toBe(401);
  });

  it('https completes a TLS 1.0 handshake and presents an expired RSA-1024 certificate', async () => {
    const tls10 = await tlsHandshake(ADDRESS, 8443, { version: 'TLSv1' });
    expect(tls10).toMatchObject({ ok: true, protocol: 'TLSv1', authorized: false, bits: 1024 });
    expect(tls10.authError).toBe('CERT_HAS_EXPIRED');
    expect(new Date(tls10.validTo ?? '').getTime()).toBeLessThan(Date.now());
    expect((await tlsHandshake(ADDRESS, 8443, { version: 'TLSv1.1' })).protocol).toBe('TLSv1.1');
    const page = await httpRequest(`https://${ADDRESS}:8443/admin`, { headers: { Authorization: `Basic ${Buffer.from('admin:admin').toString('base64')}` } });
    expect(page.status).toBe(200);
  });
});

describe('weak profile: mqtt and coap', () => {
  it('accepts an anonymous MQTT client', async () => {
    expect(await mqttConnect(`mqtt://${ADDRESS}:1883`)).toEqual({ ok: true });
  });

  it('hands retained device config (with the Wi-Fi key) to an anonymous "#" subscriber', async () => {
    const client = await mqtt.connectAsync(`mqtt://${ADDRESS}:1883`, { reconnectPeriod: 0, connectTimeout: 3000 });
    try {
      const seen = new Map<string, string>();
      const got = new Promise<void>((resolve) => {
        client.on('message', (topic, payload) => {
          seen.set(topic, payload.toString());
          if (seen.has('devices/SN-WEAK-0001/config')) resolve();
        });
      });
      await client.subscribeAsync('devices/#');
      await got;
      expect(seen.get('devices/SN-WEAK-0001/config')).toContain('wifi_psk');
    } finally {
      await client.endAsync(true);
    }
  });

  it('serves /.well-known/core and a /config anyone can read and write', async () => {
    const core = await coapRequest(ADDRESS, '/.well-known/core');
    expect(core.code).toBe('2.05');
    expect(core.payload).toContain('</config>');
    expect(core.format).toBe('application/link-format');
    const before = JSON.parse((await coapRequest(ADDRESS, '/config')).payload) as Record<string, string>;
    expect(before.admin_password).toBe('admin');
    const put = await coapRequest(ADDRESS, '/config', { method: 'PUT', payload: '{"wifi_ssid":"pwned"}' });
    expect(put.code).toBe('2.04');
    const after = JSON.parse((await coapRequest(ADDRESS, '/config')).payload) as Record<string, string>;
    expect(after.wifi_ssid).toBe('pwned');
    expect((await coapRequest(ADDRESS, '/config', { method: 'PUT', payload: 'not json' })).code).toBe('4.00');
    expect((await coapRequest(ADDRESS, '/nope')).code).toBe('4.04');
  });

  it('lists its services and default credentials as ground truth', () => {
    expect(device.services.map((s) => `${s.service}/${s.port}`)).toEqual([
      'ssh/2222', 'telnet/2323', 'http/8080', 'https/8443', 'mqtt/1883', 'coap/5683', 'ftp/2121', 'rtsp/8554',
    ]);
    expect(device.credentials).toContainEqual({ service: 'telnet', port: 2323, username: 'root', password: 'xc3511' });
  });
});
