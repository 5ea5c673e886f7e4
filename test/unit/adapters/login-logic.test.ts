/** Pure logic of the login adapters: challenge parsing, digest answers, CONNACK codes, telnet negotiation, form answers. */
import { describe, expect, it } from 'vitest';
import { digestAuthorization, judgeAnswer, parseChallenge } from '../../../adapters/http/auth.ts';
import { judgeConnack } from '../../../adapters/mqtt/connect.ts';
import { TelnetDecoder, escapeIac, lastLine, PATTERNS } from '../../../adapters/telnet/negotiation.ts';
import { judgeFormAnswer } from '../../../adapters/web-ui/form-post.ts';
import { parseRtspResponse } from '../../../adapters/rtsp/describe.ts';
import { parseLinkFormat } from '../../../adapters/coap/access.ts';

describe('http auth', () => {
  it('parses basic and digest challenges', () => {
    expect(parseChallenge('Basic realm="IPCam Web"')).toMatchObject({ scheme: 'basic', params: { realm: 'IPCam Web' } });
    const d = parseChallenge('Digest realm="http-auth@example.org", qop="auth, auth-int", algorithm=SHA-256, nonce="7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v", opaque="FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS"');
    expect(d.scheme).toBe('digest');
    expect(d.params).toMatchObject({ algorithm: 'SHA-256', qop: 'auth, auth-int' });
  });

  it('computes the RFC 7616 §3.9.1 digest responses (MD5 and SHA-256)', () => {
    const header = (alg: string): string => `Digest realm="http-auth@example.org", qop="auth, auth-int", algorithm=${alg}, nonce="7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v", opaque="FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS"`;
    const cred = { username: 'Mufasa', password: 'Circle of Life' };
    const cnonce = 'f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ';
    expect(digestAuthorization(parseChallenge(header('MD5')), cred, 'GET', '/dir/index.html', 1, cnonce)).toContain('response="8ca523f5e9506fed4657c9700eebdbec"');
    expect(digestAuthorization(parseChallenge(header('SHA-256')), cred, 'GET', '/dir/index.html', 1, cnonce)).toContain('response="753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1"');
  });

  it('judges answers: 2xx/3xx in, 401 out, 429/423 locked', () => {
    expect(judgeAnswer(200, undefined).outcome).toBe('accepted');
    expect(judgeAnswer(302, undefined).outcome).toBe('accepted');
    expect(judgeAnswer(401, undefined).outcome).toBe('rejected');
    expect(judgeAnswer(429, '60').outcome).toBe('locked-out');
    expect(judgeAnswer(503, undefined).outcome).toBe('rejected');
  });
});

describe('mqtt CONNACK', () => {
  it.each([
    [0, 4, 'accepted'], [4, 4, 'rejected'], [5, 4, 'rejected'], [3, 4, 'locked-out'],
    [0, 5, 'accepted'], [0x86, 5, 'rejected'], [0x87, 5, 'rejected'], [0x8a, 5, 'locked-out'], [0x9f, 5, 'locked-out'], [1, 5, 'not-offered'],
  ] as const)('code %i in v%i is %s', (code, version, outcome) => {
    expect(judgeConnack(code, version).outcome).toBe(outcome);
  });
});

describe('telnet negotiation', () => {
  it('strips IAC, agrees to server echo and SGA, refuses the rest', () => {
    const d = new TelnetDecoder();
    const { text, reply } = d.feed(Buffer.from([255, 251, 1, 255, 251, 3, 255, 253, 31, 255, 253, 24, ...Buffer.from('\r\nbox login: ')]));
    expect(text).toBe('\r\nbox login: ');
    expect([...reply]).toEqual([255, 253, 1, 255, 253, 3, 255, 252, 31, 255, 252, 24]);
  });

  it('keeps state across chunks and skips subnegotiation', () => {
    const d = new TelnetDecoder();
    expect(d.feed(Buffer.from([255])).text).toBe('');
    expect(d.feed(Buffer.from([250, 24, 1, 255, 240, 0x41])).text).toBe('A');
    expect([...escapeIac('a\u00ff')]).toEqual([0x61, 0xc3, 0xbf]);
  });

  it('recognises BusyBox and util-linux prompts and verdicts', () => {
    expect(PATTERNS.login.test(lastLine('\r\ncam login: '))).toBe(true);
    expect(PATTERNS.password.test(lastLine('root\r\nPassword: '))).toBe(true);
    expect(PATTERNS.failure.test('\r\nLogin incorrect\r\n')).toBe(true);
    expect(PATTERNS.shell.test(lastLine('\u001b[1;32mroot@cam\u001b[0m:~# '))).toBe(true);
    expect(PATTERNS.shell.test(lastLine('Password: '))).toBe(false);
  });
});

describe('form answers', () => {
  it('judges redirects, re-shown forms and lockouts', () => {
    expect(judgeFormAnswer(302, '/status', '', '/login').outcome).toBe('accepted');
    expect(judgeFormAnswer(302, '/login?e=1', '', '/login').outcome).toBe('rejected');
    expect(judgeFormAnswer(200, undefined, '<input type="password" name="p">', '/login').outcome).toBe('rejected');
    expect(judgeFormAnswer(200, undefined, '<h1>Status</h1>', '/login').outcome).toBe('accepted');
    expect(judgeFormAnswer(429, undefined, 'Account locked', '/login').outcome).toBe('locked-out');
  });
});

describe('rtsp and coap parsing', () => {
  it('parses an RTSP response only once complete', () => {
    const raw = Buffer.from('RTSP/1.0 401 Unauthorized\r\nCSeq: 2\r\nWWW-Authenticate: Digest realm="c", nonce="n"\r\nContent-Length: 3\r\n\r\nabc');
    expect(parseRtspResponse(raw.subarray(0, raw.length - 1))).toBeUndefined();
    const got = parseRtspResponse(raw)!;
    expect(got.response).toMatchObject({ status: 401, body: 'abc', headers: { cseq: '2' } });
    expect(() => parseRtspResponse(Buffer.from('HTTP/1.1 200 OK\r\n\r\n'))).toThrow(RangeError);
  });

  it('lists link-format resources without the discovery resource', () => {
    expect(parseLinkFormat('</.well-known/core>,</config>;rt="x";ct=50,</status>;if="core.s"')).toEqual(['/config', '/status']);
  });
});
