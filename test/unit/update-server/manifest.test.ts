/**
 * The update manifest: Ed25519 and ECDSA P-256 signatures over canonical bytes verify, and
 * every change (a field, the key, the algorithm, a missing signature) is refused; image size
 * and digest are checked; versions order numerically; each case's payload is what it claims.
 */
import { generateKeyPairSync, createPublicKey, createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { compareVersions, imageProblem, parseManifest, signatureProblem, signManifest, type UpdateManifest } from '../../../harness/update-server/manifest.ts';
import { buildPayload, newerVersion, olderVersion, offeredVersion, UPDATE_CASES } from '../../../harness/update-server/cases.ts';

const ed = generateKeyPairSync('ed25519');
const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const other = generateKeyPairSync('ed25519');
const image = Buffer.from('TLFW1 test image\n');
const base: UpdateManifest = {
  manifestVersion: 1, vendor: 'Acme', model: 'T1', version: '1.2.3',
  image: { uri: 'image.bin', size: image.length, digest: { alg: 'sha-256', value: createHash('sha256').update(image).digest('hex') } },
};

describe('manifest signatures', () => {
  it.each([['Ed25519', ed], ['ES256', ec]] as const)('%s: verifies, and refuses any change', (alg, keys) => {
    const signed = signManifest(base, keys.privateKey);
    expect(signed.signature?.alg).toBe(alg);
    expect(signatureProblem(signed, keys.publicKey)).toBeUndefined();
    // Key order and whitespace do not matter: the signature covers canonical bytes.
    const reparsed = parseManifest(JSON.stringify(JSON.parse(JSON.stringify(signed)), null, 4)) as UpdateManifest;
    expect(signatureProblem(reparsed, keys.publicKey)).toBeUndefined();
    expect(signatureProblem({ ...signed, version: '9.9.9' }, keys.publicKey)).toMatch(/does not verify/);
    expect(signatureProblem({ ...signed, image: { ...signed.image, size: 1 } }, keys.publicKey)).toMatch(/does not verify/);
    expect(signatureProblem(signed, other.publicKey)).toMatch(alg === 'Ed25519' ? /does not verify/ : /algorithm ES256 is not the trusted key's Ed25519/);
    expect(signatureProblem(base, keys.publicKey)).toBe('the manifest is not signed');
  });

  it('checks image size and digest', () => {
    expect(imageProblem(base, image)).toBeUndefined();
    const flipped = Buffer.from(image);
    flipped[3] ^= 1;
    expect(imageProblem(base, flipped)).toMatch(/differs from the manifest/);
    expect(imageProblem(base, image.subarray(1))).toMatch(/bytes, the manifest says/);
  });

  it('parses only well-formed manifests', () => {
    expect(parseManifest('nope')).toBe('the manifest is not JSON');
    expect(parseManifest(JSON.stringify({ ...base, manifestVersion: 2 }))).toMatch(/manifestVersion/);
    expect(parseManifest(JSON.stringify({ ...base, version: 'latest' }))).toMatch(/dotted numbers/);
    expect(parseManifest(JSON.stringify({ ...base, signature: { alg: 'RS256', keyId: 'x', value: 'y' } }))).toMatch(/Ed25519 or ES256/);
    expect(parseManifest(JSON.stringify(base))).toEqual(base);
  });
});

describe('versions and case payloads', () => {
  it('orders versions numerically and forms newer and older ones', () => {
    expect(compareVersions('1.10.0', '1.9.9')).toBeGreaterThan(0);
    expect(compareVersions('2.0', '2.0.0')).toBe(0);
    expect(newerVersion('3.2.1', 2)).toBe('3.2.3');
    expect(olderVersion('3.2.1')).toBe('3.2.0');
    expect(olderVersion('2.0.0')).toBe('1.99.99');
    expect(olderVersion('0.0.0')).toBeUndefined();
    expect(newerVersion('v1', 1)).toBeUndefined();
    const versions = UPDATE_CASES.map((c) => offeredVersion(c, '3.2.1'));
    expect(new Set(versions).size).toBe(UPDATE_CASES.length);
  });

  it('builds each variant as named', () => {
    const input = { vendor: 'Acme', model: 'T1', version: '1.0.1', signer: ed.privateKey, foreign: other.privateKey, imageSize: 1024 };
    const pub = createPublicKey(ed.privateKey);
    const judge = (variant: Parameters<typeof buildPayload>[0]): string[] => {
      const p = buildPayload(variant, input);
      const m = parseManifest(p.manifest.toString()) as UpdateManifest;
      return [signatureProblem(m, pub) ?? 'signature ok', imageProblem(m, p.image) ?? 'image ok'];
    };
    expect(judge('valid')).toEqual(['signature ok', 'image ok']);
    expect(judge('byte-flipped')).toEqual(['signature ok', expect.stringMatching(/differs/)]);
    expect(judge('unsigned')).toEqual(['the manifest is not signed', 'image ok']);
    expect(judge('foreign-key')).toEqual([expect.stringMatching(/does not verify/), 'image ok']);
    expect(buildPayload('valid', input).image.length).toBe(1024);
  });
});
