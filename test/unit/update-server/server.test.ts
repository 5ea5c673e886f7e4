/**
 * The update server against real TLS clients: the valid channel is trusted through the CA it
 * made at start; the self-signed, wrong-host and expired channels are refused by a verifying
 * client and the refusal is recorded; an HTTPS port answers a cleartext fallback; every
 * request is recorded with channel and transport; it binds loopback addresses in scope only.
 */
import http from 'node:http';
import https from 'node:https';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startUpdateServer, type UpdateServer } from '../../../harness/update-server/server.ts';
import { createScopeGuard } from '../../../harness/scope/guard.ts';
import { TrustlabError } from '../../../harness/errors.ts';

const ADDRESS = '127.96.2.1';
let server: UpdateServer;

function get(url: string, ca?: string): Promise<{ status: number; body: string } | { error: string }> {
  return new Promise((resolve) => {
    const u = new URL(url);
    const req = u.protocol === 'https:' ? https.get(u, { agent: false, ...(ca ? { ca } : {}) }) : http.get(u, { agent: false });
    req.on('error', (err: NodeJS.ErrnoException) => resolve({ error: err.code ?? err.message }));
    req.on('response', (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
  });
}

beforeAll(async () => {
  server = await startUpdateServer({ address: ADDRESS, guard: createScopeGuard(['127.96.0.0/16']) });
  server.publish('case-a', { manifest: Buffer.from('{"m":1}'), image: Buffer.from('IMG') });
});
afterAll(async () => {
  await server?.stop();
});

describe('update server', () => {
  it('serves the valid channel to a client that trusts its start-time CA', async () => {
    expect(server.trustAnchorPem).toMatch(/BEGIN CERTIFICATE/);
    expect(await get(server.urlFor('https', 'case-a'), server.trustAnchorPem)).toEqual({ status: 200, body: '{"m":1}' });
    expect(await get(server.urlFor('https', 'case-a').replace('manifest.json', 'image.bin'), server.trustAnchorPem)).toEqual({ status: 200, body: 'IMG' });
    expect(await get(server.urlFor('https', 'nope'), server.trustAnchorPem)).toMatchObject({ status: 404 });
  });

  it.each([
    ['https-self-signed', 'DEPTH_ZERO_SELF_SIGNED_CERT'],
    ['https-wrong-host', 'ERR_TLS_CERT_ALTNAME_INVALID'],
    ['https-expired', 'CERT_HAS_EXPIRED'],
  ] as const)('%s is refused by a verifying client, and the refusal is recorded', async (channel, code) => {
    const mark = server.records().length;
    expect(await get(server.urlFor(channel, 'case-a'), server.trustAnchorPem)).toEqual({ error: code });
    // The server sees the client's alert a moment after the client gave up: poll, bounded.
    for (let i = 0; i < 40 && server.records().length === mark; i++) await new Promise((r) => setTimeout(r, 25));
    const recs = server.records().slice(mark);
    expect(recs.map((r) => [r.channel, r.event])).toEqual([[channel, 'tls-refused']]);
  });

  it('records every request with channel and transport, including a cleartext fallback on an https port', async () => {
    const mark = server.records().length;
    expect(await get(server.urlFor('http', 'case-a'))).toMatchObject({ status: 200 });
    expect(await get(server.urlFor('https-expired', 'case-a').replace('https:', 'http:'))).toMatchObject({ status: 200 });
    const recs = server.records().slice(mark).filter((r) => r.event === 'request');
    expect(recs.map((r) => [r.channel, r.transport, r.path, r.caseId, r.status, r.bytes])).toEqual([
      ['http', 'plain', '/case-a/manifest.json', 'case-a', 200, 7],
      ['https-expired', 'plain', '/case-a/manifest.json', 'case-a', 200, 7],
    ]);
    expect(recs[0]!.remote).toMatch(/^127\./);
    expect(Date.parse(recs[0]!.at)).not.toBeNaN();
  });

  it('binds loopback addresses inside scope only', async () => {
    await expect(startUpdateServer({ address: '10.0.0.1' })).rejects.toMatchObject({ code: 'TL_SCOPE_VIOLATION' });
    await expect(startUpdateServer({ address: '127.95.0.1', guard: createScopeGuard(['127.96.0.0/16']) })).rejects.toBeInstanceOf(TrustlabError);
  });
});
