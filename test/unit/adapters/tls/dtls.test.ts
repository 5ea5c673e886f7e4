/**
 * The DTLS probe: cookie exchange, version selection and mode detection against a scripted
 * server, the datagram parser on fixed bytes, and (where Debian's libcoap is installed) a
 * contract test against coap-server-openssl, the CoAP server IoT firmware ships.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scopeFromAddresses } from '../../../../harness/scope/guard.ts';
import { parseDtlsDatagram, scanDtlsEndpoint } from '../../../../adapters/tls/dtls.ts';
import { startFakeDtls } from './fake-dtls.ts';

const ADDR = '127.79.5.1';
const guard = scopeFromAddresses(['127.79.5.0/24']);
const PSK_CCM8 = 0xc0a8;
const ECDSA_CCM8 = 0xc0ae;

describe('parseDtlsDatagram', () => {
  it('reads handshake messages and alerts from DTLS records', () => {
    // type, version, epoch, 48-bit sequence, length, then the fragment.
    const header = (type: string, len: string): string => `${type}fefd0000000000000000${len}`;
    expect(parseDtlsDatagram(Buffer.from(`${header('15', '0002')}0228`, 'hex')).alert).toBe(40);
    // HelloVerifyRequest: type 3, length 5, message_seq 0, offset 0, fragment 5: version + cookie "abcd".
    const hvr = Buffer.from(`${header('16', '0011')}${['03', '000005', '0000', '000000', '000005', 'feff02abcd'].join('')}`, 'hex');
    const parsed = parseDtlsDatagram(hvr);
    expect(parsed.handshakes.map((h) => h.type)).toEqual([3]);
    expect(parsed.handshakes[0]!.body.toString('hex')).toBe('feff02abcd');
    expect(() => parseDtlsDatagram(Buffer.from(`${header('16', '0011')}0300`, 'hex'))).toThrow();
  });
});

describe('scanDtlsEndpoint (scripted server)', () => {
  it('finds DTLS 1.2 only, PSK and raw-public-key modes, after a cookie exchange', async () => {
    const server = await startFakeDtls({ address: ADDR, port: 25684, versions: [0xfefd], suites: [PSK_CCM8, ECDSA_CCM8], rawPublicKey: true });
    try {
      const r = await scanDtlsEndpoint({ guard, address: ADDR, port: 25684, timeoutMs: 500 });
      expect(r.answered).toBe('dtls');
      expect(r.cookieExchange).toBe(true);
      expect(r.versions.map((v) => [v.version, v.accepted])).toEqual([['DTLS 1.0', false], ['DTLS 1.2', true], ['DTLS 1.3', false]]);
      expect(r.modes).toEqual({ psk: true, certificate: true, rawPublicKey: true });
      expect(r.modeSuites.psk).toBe('TLS_PSK_WITH_AES_128_CCM_8');
    } finally {
      await server.stop();
    }
  });

  it('sees a server that still selects DTLS 1.0, and one that offers no PSK', async () => {
    const server = await startFakeDtls({ address: ADDR, port: 25685, versions: [0xfeff, 0xfefd], suites: [ECDSA_CCM8] });
    try {
      const r = await scanDtlsEndpoint({ guard, address: ADDR, port: 25685, timeoutMs: 500 });
      expect(r.versions.find((v) => v.version === 'DTLS 1.0')?.accepted).toBe(true);
      expect(r.modes).toEqual({ psk: false, certificate: true, rawPublicKey: false });
    } finally {
      await server.stop();
    }
  });

  it('tells a closed port from silence, and refuses an address outside scope', async () => {
    const closed = await scanDtlsEndpoint({ guard, address: ADDR, port: 25699, timeoutMs: 300 });
    expect(closed.answered).toBe('refused');
    await expect(scanDtlsEndpoint({ guard, address: '127.80.0.1', port: 5684 })).rejects.toMatchObject({ code: 'TL_SCOPE_VIOLATION' });
  });
});

const coapServer = spawnSync('sh', ['-c', 'command -v coap-server-openssl'], { encoding: 'utf8' }).stdout.trim();

describe.skipIf(coapServer === '')('scanDtlsEndpoint against libcoap (coap-server-openssl)', () => {
  let child: ChildProcess | undefined;
  beforeAll(async () => {
    child = spawn(coapServer, ['-A', ADDR, '-p', '25783', '-k', 'trustlab-psk', '-v', '0'], { stdio: 'ignore' });
    await new Promise((r) => setTimeout(r, 400));
  });
  afterAll(() => {
    if (child?.pid !== undefined && child.exitCode === null) process.kill(child.pid);
  });

  it('reports DTLS 1.2 in PSK mode and refuses DTLS 1.0', async () => {
    const r = await scanDtlsEndpoint({ guard, address: ADDR, port: 25784, timeoutMs: 800 });
    expect(r.answered).toBe('dtls');
    expect(r.versions.filter((v) => v.accepted).map((v) => v.version)).toEqual(['DTLS 1.2']);
    expect(r.modes.psk).toBe(true);
    expect(r.modes.certificate).toBe(false);
  });
});
