/** Table tests of the default-passwords judgements: declaration match, brute-force protection, password uniqueness. */
import { describe, expect, it } from 'vitest';
import { judgeSurface } from '../../../../suites/default-passwords/surfaces-declared.ts';
import { judgeBruteForce, measure } from '../../../../suites/default-passwords/brute-force.ts';
import { comparePasswords, derivations } from '../../../../suites/default-passwords/uniqueness.ts';
import { carriage } from '../../../../suites/default-passwords/cleartext.ts';
import type { Surface } from '../../../../suites/default-passwords/surfaces.ts';
import type { LoginResult } from '../../../../harness/plugins/types.ts';

const surface = (p: Partial<Surface>): Surface => ({ kind: 'ssh', target: { transport: 'tcp', port: 22, service: 'ssh' }, tls: false, passwordLogin: true, detail: 'd', ...p });

describe('CTM-DP-01 surface vs declaration', () => {
  const ssh = { port: 22, transport: 'tcp' as const, service: 'ssh' };
  it.each([
    ['undeclared port', surface({}), [], 'fail'],
    ['declared disabled', surface({}), [{ ...ssh, auth: 'password' as const, disabled: true }], 'fail'],
    ['password where keys are declared', surface({}), [{ ...ssh, auth: 'key' as const }], 'fail'],
    ['keys only, keys declared', surface({ passwordLogin: false }), [{ ...ssh, auth: 'key' as const }], 'pass'],
    ['password declared and offered', surface({}), [{ ...ssh, auth: 'password' as const }], 'pass'],
    ['anonymous where a password is declared', surface({ kind: 'mqtt', passwordLogin: false, anonymous: { detail: 'CONNACK 0', transcript: '' } }), [{ ...ssh, auth: 'password' as const }], 'fail'],
  ])('%s', (_name, s, declared, status) => {
    expect(judgeSurface(s, declared).status).toBe(status);
  });
});

const r = (outcome: LoginResult['outcome'], elapsedMs: number): LoginResult => ({ outcome, elapsedMs, credential: { username: 'a', password: 'b' }, detail: '', transcript: '' });

describe('CTM-DP-06 brute-force judgement', () => {
  it.each([
    ['ten fast failures', Array.from({ length: 10 }, () => r('rejected', 5)), 1, 'fail'],
    ['lockout after five', [...Array.from({ length: 5 }, () => r('rejected', 5)), r('locked-out', 2)], 1, 'pass'],
    ['busybox-style 3 s delay', Array.from({ length: 10 }, () => r('rejected', 3000)), 30, 'pass'],
    ['growing delays', [10, 10, 10, 100, 200, 400, 600, 800, 900, 1000].map((ms) => r('rejected', ms)), 5, 'pass'],
    ['time bound reached first', Array.from({ length: 4 }, () => r('rejected', 50)), 31, 'pass'],
  ])('%s', (_name, results, seconds, status) => {
    expect(judgeBruteForce(measure(results, seconds), 10).status).toBe(status);
  });
});

describe('CTM-DP-03 uniqueness and derivation', () => {
  it('derives the usual candidates from serial, MAC and SSID', () => {
    const d = derivations({ serial: 'ACME-CAM-0001', mac: '00:11:22:aa:bb:cc', ssid: 'CAM-5521' });
    expect(d).toEqual(expect.arrayContaining(['ACME-CAM-0001', 'ACMECAM0001', 'aabbcc', 'AABBCC', '22aabbcc', 'CAM-5521', '5521']));
  });

  it.each([
    ['shared', [{ id: 'a', password: 'Xk9!pQ2z' }, { id: 'b', password: 'Xk9!pQ2z' }], /share one password/],
    ['sequential', [{ id: 'a', password: 'cam1001' }, { id: 'b', password: 'cam1002' }], /sequential/],
    ['derived from MAC', [{ id: 'a', password: 'aabbcc', mac: '00:11:22:aa:bb:cc' }, { id: 'b', password: 'Zr8#qLm2' }], /derived from its MAC/],
    ['derived from serial', [{ id: 'a', password: 'CAM0001', serial: 'ACME-CAM0001' }, { id: 'b', password: 'Zr8#qLm2' }], /derived from its serial/],
  ])('%s passwords fail, without naming the password', (_n, units, re) => {
    const problems = comparePasswords(units);
    expect(problems.join('; ')).toMatch(re);
    for (const u of units) expect(problems.join(' ')).not.toContain(u.password);
  });

  it('distinct random passwords pass', () => {
    expect(comparePasswords([{ id: 'a', password: 'Zr8#qLm2', serial: 'S1' }, { id: 'b', password: 'p4$Wn7Ku', serial: 'S2' }])).toEqual([]);
  });
});

describe('CTM-DP-07 carriage', () => {
  it.each([
    [surface({ kind: 'telnet' }), 'clear'],
    [surface({ kind: 'ssh' }), 'encrypted'],
    [surface({ kind: 'http-basic' }), 'clear'],
    [surface({ kind: 'http-basic', tls: true }), 'encrypted'],
    [surface({ kind: 'http-digest' }), 'digest'],
    [surface({ kind: 'web-form', form: { url: 'http://x/login', passSelector: 'p' } }), 'clear'],
    [surface({ kind: 'mqtt', tls: true }), 'encrypted'],
  ] as const)('%#', (s, how) => {
    expect(carriage(s)).toBe(how);
  });
});
