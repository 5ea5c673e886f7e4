/**
 * Contract test of the TLS adapter against real node:tls (OpenSSL) servers on loopback: the
 * raw-hello enumeration and the pinned node:tls handshakes must agree on versions, find
 * exactly the suites and groups a server is configured with, size a DHE prime, capture the
 * chain and check it against a declared CA; a non-TLS port and a closed port are told apart.
 */
import net from 'node:net';
import tls from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scopeFromAddresses } from '../../../../harness/scope/guard.ts';
import { scanTlsEndpoint, speaksTls } from '../../../../adapters/tls/endpoint.ts';
import { makeCert, type MadeCert } from './certs.ts';

const ADDR = '127.79.6.1';
const guard = scopeFromAddresses(['127.79.6.0/24']);
const target = (port: number) => ({ guard, address: ADDR, port, timeoutMs: 2000 });
const servers: net.Server[] = [];
let ca: MadeCert;

const open = new Set<net.Socket>();
function listen(server: net.Server, port: number): Promise<void> {
  servers.push(server);
  server.on('connection', (c: net.Socket) => {
    open.add(c);
    c.on('error', () => undefined);
    c.on('close', () => open.delete(c));
  });
  server.on('tlsClientError', () => undefined);
  return new Promise((resolve) => server.listen(port, ADDR, () => resolve()));
}

beforeAll(async () => {
  ca = await makeCert({ cn: 'lab ca', key: { kind: 'ec', curve: 'P-256' }, ca: true });
  const [rsa, legacy, leaf] = await Promise.all([
    makeCert({ cn: 'modern', key: { kind: 'rsa', bits: 2048 }, ip: ADDR }),
    makeCert({ cn: 'legacy', key: { kind: 'rsa', bits: 1024 }, hash: 'SHA-1', notBefore: new Date('2015-01-01'), notAfter: new Date('2017-01-01') }),
    makeCert({ cn: 'leaf', key: { kind: 'ec', curve: 'P-256' }, ip: ADDR, issuer: ca }),
  ]);
  await listen(tls.createServer({
    cert: rsa.certPem, key: rsa.keyPem, minVersion: 'TLSv1.2', maxVersion: 'TLSv1.2',
    ciphers: 'ECDHE-RSA-AES128-GCM-SHA256:AES128-SHA', ecdhCurve: 'P-384',
  }), 18443);
  await listen(tls.createServer({
    cert: legacy.certPem, key: legacy.keyPem, minVersion: 'TLSv1', maxVersion: 'TLSv1.2',
    ciphers: 'DHE-RSA-AES128-SHA:@SECLEVEL=0', dhparam: 'auto',
  }), 18444);
  await listen(tls.createServer({ cert: leaf.certPem + ca.certPem, key: leaf.keyPem, minVersion: 'TLSv1.3' }), 18445);
  await listen(net.createServer((s) => s.end('220 not tls\r\n').resume()), 18446);
});

afterAll(async () => {
  for (const c of open) c.destroy();
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
});

describe('scanTlsEndpoint (node:tls servers)', () => {
  it('finds exactly the configured version, suites and curve', async () => {
    const r = await scanTlsEndpoint(target(18443));
    expect(r.versions.filter((v) => v.accepted).map((v) => v.version)).toEqual(['TLS 1.2']);
    for (const v of r.versions.filter((x) => x.version !== 'SSL 3.0')) expect(v.handshake?.completed, v.version).toBe(v.accepted);
    expect(r.suites).toEqual({ 'TLS 1.2': ['TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256', 'TLS_RSA_WITH_AES_128_CBC_SHA'] });
    expect(r.groups.ecdhe).toEqual(['secp384r1']);
    expect(r.groups.tls13).toEqual([]);
    expect(r.negotiated).toMatchObject({ protocol: 'TLSv1.2', group: 'secp384r1' });
    expect(r.namesAddress).toBe(true);
    expect(r.chain[0]).toMatchObject({ keyType: 'rsa', keyBits: 2048, selfSigned: true });
    expect(r.transcripts.map((t) => t.label)).toEqual(['SSL 3.0 probe', 'TLS 1.0 probe', 'TLS 1.1 probe', 'TLS 1.2 probe', 'TLS 1.3 probe']);
  });

  it('sees TLS 1.0 and 1.1 on a legacy server, sizes its DHE prime and reads its SHA-1 RSA-1024 chain', async () => {
    const r = await scanTlsEndpoint(target(18444));
    expect(r.versions.filter((v) => v.accepted).map((v) => v.version)).toEqual(['TLS 1.0', 'TLS 1.1', 'TLS 1.2']);
    expect(r.versions.find((v) => v.version === 'TLS 1.0')?.handshake?.completed).toBe(true);
    expect(r.suites['TLS 1.0']).toEqual(['TLS_DHE_RSA_WITH_AES_128_CBC_SHA']);
    expect(r.groups.dhBits.length).toBe(1);
    expect(r.groups.dhBits[0]).toBeGreaterThanOrEqual(1024);
    expect(r.chain[0]).toMatchObject({ keyBits: 1024, signature: { hash: 'sha1' }, notAfter: '2017-01-01T00:00:00.000Z' });
    expect(r.namesAddress).toBe(false);
  });

  it('captures a TLS 1.3 chain and checks it against the declared CA', async () => {
    const r = await scanTlsEndpoint(target(18445), ca.certPem);
    expect(r.versions.filter((v) => v.accepted).map((v) => v.version)).toEqual(['TLS 1.3']);
    expect(r.suites['TLS 1.3']).toContain('TLS_AES_128_GCM_SHA256');
    expect(r.groups.tls13).toEqual(expect.arrayContaining(['x25519', 'secp256r1']));
    expect(r.chainSource).toBe('handshake');
    expect(r.chain.map((c) => c.subject)).toEqual(['CN=leaf', 'CN=lab ca']);
    expect(r.chainToCa).toMatchObject({ ok: true, path: ['CN=leaf', 'CN=lab ca'] });
    const foreign = await makeCert({ cn: 'lab ca', key: { kind: 'ec', curve: 'P-256' }, ca: true });
    const bad = await scanTlsEndpoint(target(18445), foreign.certPem);
    expect(bad.chainToCa?.ok).toBe(false);
    expect(bad.chainToCa?.openssl).toBeDefined();
  });

  it('tells TLS from a plain service and a closed port, and never leaves scope', async () => {
    expect(await speaksTls(target(18443))).toBe(true);
    expect(await speaksTls(target(18446))).toBe(false);
    await expect(speaksTls(target(18499))).rejects.toMatchObject({ code: 'TL_TRANSPORT' });
    await expect(speaksTls({ ...target(443), address: '127.80.0.1' })).rejects.toMatchObject({ code: 'TL_SCOPE_VIOLATION' });
  });
});
