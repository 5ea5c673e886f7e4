/**
 * ClientHello messages built byte by byte, so a probe can offer what the runtime's OpenSSL
 * cannot: SSL 3.0, RC4, EXPORT, NULL and 3DES suites, any single group. The server's answer
 * (ServerHello or alert) is all a probe needs, so no key material beyond an X25519 share is
 * made and no handshake is ever completed this way.
 */
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { u16List, uint, vector } from './wire.ts';

/** What one ClientHello offers. */
export interface HelloSpec {
  /** Highest version offered, as a wire code (0x0300..0x0304, or DTLS 0xfeff..0xfefc). */
  version: number;
  suites: readonly number[];
  /** supported_groups; every ECC-capable group by default is the caller's choice. */
  groups?: readonly number[];
  /** TLS 1.3 key shares to send; only x25519 (29) carries a real key, others are left out. */
  keyShares?: readonly number[];
  /** DTLS only: the cookie from a HelloVerifyRequest. */
  cookie?: Buffer;
  /** RFC 7250 server_certificate_type values to offer (DTLS raw public keys). */
  serverCertTypes?: readonly number[];
}

const EXT = {
  supportedGroups: 10,
  ecPointFormats: 11,
  signatureAlgorithms: 13,
  serverCertificateType: 20,
  extendedMasterSecret: 23,
  supportedVersions: 43,
  keyShare: 51,
  renegotiationInfo: 0xff01,
} as const;

/**
 * Every signature scheme a server might insist on, legacy ones included (RFC 8446 §4.2.3,
 * RFC 5246 §7.4.1.4.1): offering them all keeps our offer from deciding the server's choice.
 */
const SIGNATURE_SCHEMES = [
  0x0403, 0x0503, 0x0603, 0x0807, 0x0808, 0x0804, 0x0805, 0x0806, 0x0809, 0x080a, 0x080b,
  0x0401, 0x0501, 0x0601, 0x0203, 0x0201, 0x0402, 0x0502, 0x0602, 0x0202, 0x0101, 0x0301, 0x0303, 0x0302,
];

const isDtls = (v: number): boolean => v >= 0xfe00;
const isTls13 = (v: number): boolean => v === 0x0304 || v === 0xfefc;

let x25519Public: Buffer | undefined;
function x25519Share(): Buffer {
  if (!x25519Public) {
    const jwk = generateKeyPairSync('x25519').publicKey.export({ format: 'jwk' });
    x25519Public = Buffer.from(String(jwk.x), 'base64url');
  }
  return x25519Public;
}

function extension(type: number, body: Buffer): Buffer {
  return Buffer.concat([uint(type, 2), vector(body, 2)]);
}

function extensions(spec: HelloSpec): Buffer {
  // SSL 3.0 predates extensions; some SSL 3.0 stacks reject a hello that carries them.
  if (spec.version === 0x0300) return Buffer.alloc(0);
  const list: Buffer[] = [];
  if (spec.groups && spec.groups.length > 0) {
    list.push(extension(EXT.supportedGroups, vector(u16List(spec.groups), 2)));
    list.push(extension(EXT.ecPointFormats, vector(Buffer.from([0]), 1)));
  }
  list.push(extension(EXT.signatureAlgorithms, vector(u16List(SIGNATURE_SCHEMES), 2)));
  list.push(extension(EXT.extendedMasterSecret, Buffer.alloc(0)));
  list.push(extension(EXT.renegotiationInfo, vector(Buffer.alloc(0), 1)));
  if (spec.serverCertTypes && spec.serverCertTypes.length > 0) {
    list.push(extension(EXT.serverCertificateType, vector(Buffer.from(spec.serverCertTypes), 1)));
  }
  if (isTls13(spec.version)) {
    list.push(extension(EXT.supportedVersions, vector(uint(spec.version, 2), 1)));
    const shares = (spec.keyShares ?? []).filter((g) => g === 29).map((g) => Buffer.concat([uint(g, 2), vector(x25519Share(), 2)]));
    list.push(extension(EXT.keyShare, vector(Buffer.concat(shares), 2)));
  }
  return Buffer.concat(list);
}

/** The ClientHello handshake body (RFC 8446 §4.1.2; RFC 6347 §4.2.1 adds the cookie). */
export function clientHelloBody(spec: HelloSpec): Buffer {
  const dtls = isDtls(spec.version);
  // TLS 1.3 and DTLS 1.3 announce themselves in supported_versions; the legacy field says 1.2.
  const legacy = spec.version === 0x0304 ? 0x0303 : spec.version === 0xfefc ? 0xfefd : spec.version;
  const parts = [
    uint(legacy, 2),
    randomBytes(32),
    // A TLS 1.3 middlebox-compatible hello carries a 32-byte session id (RFC 8446 §D.4).
    vector(spec.version === 0x0304 ? randomBytes(32) : Buffer.alloc(0), 1),
  ];
  if (dtls) parts.push(vector(spec.cookie ?? Buffer.alloc(0), 1));
  parts.push(vector(u16List(spec.suites), 2), vector(Buffer.from([0]), 1));
  const ext = extensions(spec);
  if (ext.length > 0) parts.push(vector(ext, 2));
  return Buffer.concat(parts);
}

/** A complete TLS record carrying a ClientHello (record version 0x0301 for TLS, as browsers send). */
export function tlsClientHello(spec: HelloSpec): Buffer {
  const body = clientHelloBody(spec);
  const handshake = Buffer.concat([uint(1, 1), vector(body, 3)]);
  // Old servers reject a record version above what they know; 0x0300 for SSL 3.0 probes.
  const recordVersion = spec.version === 0x0300 ? 0x0300 : 0x0301;
  return Buffer.concat([uint(22, 1), uint(recordVersion, 2), vector(handshake, 2)]);
}

/** A complete DTLS record carrying a ClientHello (RFC 6347 §4.1, §4.2.2); one fragment. */
export function dtlsClientHello(spec: HelloSpec, messageSeq: number, recordSeq: number): Buffer {
  const body = clientHelloBody(spec);
  const handshake = Buffer.concat([
    uint(1, 1), uint(body.length, 3), uint(messageSeq, 2), uint(0, 3), uint(body.length, 3), body,
  ]);
  const seq = Buffer.alloc(6);
  seq.writeUIntBE(recordSeq, 0, 6);
  // DTLS 1.0 in the record layer of a first hello is what every DTLS stack accepts.
  return Buffer.concat([uint(22, 1), uint(0xfeff, 2), uint(0, 2), seq, vector(handshake, 2)]);
}
