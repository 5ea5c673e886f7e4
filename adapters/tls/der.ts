/**
 * Just enough DER (ITU-T X.690) to read a certificate's outer signature algorithm, which
 * node's X509Certificate does not expose: the OID of Certificate.signatureAlgorithm and, for
 * RSASSA-PSS, the hash named in its parameters (RFC 4055 §3.1, default SHA-1).
 */
import { Reader } from './wire.ts';

interface Tlv {
  tag: number;
  body: Buffer;
}

function readTlv(r: Reader): Tlv {
  const tag = r.uint(1);
  let len = r.uint(1);
  if (len & 0x80) {
    const n = len & 0x7f;
    if (n < 1 || n > 3) throw new RangeError(`unsupported DER length of ${n} bytes`);
    len = r.uint(n as 1 | 2 | 3);
  }
  return { tag, body: r.bytes(len) };
}

/** Dotted form of a DER OBJECT IDENTIFIER body. */
export function decodeOid(body: Buffer): string {
  const parts: number[] = [];
  let value = 0;
  for (const byte of body) {
    value = value * 128 + (byte & 0x7f);
    if ((byte & 0x80) === 0) {
      if (parts.length === 0) parts.push(value < 80 ? Math.floor(value / 40) : 2, value < 80 ? value % 40 : value - 80);
      else parts.push(value);
      value = 0;
    }
  }
  return parts.join('.');
}

const SIGNATURES: Record<string, { name: string; hash: string }> = {
  '1.2.840.113549.1.1.2': { name: 'md2WithRSAEncryption', hash: 'md2' },
  '1.2.840.113549.1.1.4': { name: 'md5WithRSAEncryption', hash: 'md5' },
  '1.2.840.113549.1.1.5': { name: 'sha1WithRSAEncryption', hash: 'sha1' },
  '1.2.840.113549.1.1.14': { name: 'sha224WithRSAEncryption', hash: 'sha224' },
  '1.2.840.113549.1.1.11': { name: 'sha256WithRSAEncryption', hash: 'sha256' },
  '1.2.840.113549.1.1.12': { name: 'sha384WithRSAEncryption', hash: 'sha384' },
  '1.2.840.113549.1.1.13': { name: 'sha512WithRSAEncryption', hash: 'sha512' },
  '1.2.840.10045.4.1': { name: 'ecdsa-with-SHA1', hash: 'sha1' },
  '1.2.840.10045.4.3.1': { name: 'ecdsa-with-SHA224', hash: 'sha224' },
  '1.2.840.10045.4.3.2': { name: 'ecdsa-with-SHA256', hash: 'sha256' },
  '1.2.840.10045.4.3.3': { name: 'ecdsa-with-SHA384', hash: 'sha384' },
  '1.2.840.10045.4.3.4': { name: 'ecdsa-with-SHA512', hash: 'sha512' },
  '1.2.840.10040.4.3': { name: 'dsa-with-sha1', hash: 'sha1' },
  '2.16.840.1.101.3.4.3.1': { name: 'dsa-with-sha224', hash: 'sha224' },
  '2.16.840.1.101.3.4.3.2': { name: 'dsa-with-sha256', hash: 'sha256' },
  '1.3.101.112': { name: 'Ed25519', hash: 'intrinsic' },
  '1.3.101.113': { name: 'Ed448', hash: 'intrinsic' },
};
const HASHES: Record<string, string> = {
  '1.3.14.3.2.26': 'sha1', '2.16.840.1.101.3.4.2.4': 'sha224', '2.16.840.1.101.3.4.2.1': 'sha256',
  '2.16.840.1.101.3.4.2.2': 'sha384', '2.16.840.1.101.3.4.2.3': 'sha512',
};
const RSASSA_PSS = '1.2.840.113549.1.1.10';

/** The signature algorithm of a DER certificate: its name, hash and OID. */
export function signatureAlgorithm(der: Buffer): { name: string; hash: string; oid: string } {
  const cert = new Reader(readTlv(new Reader(der)).body);
  readTlv(cert);
  const alg = new Reader(readTlv(cert).body);
  const oid = decodeOid(readTlv(alg).body);
  if (oid === RSASSA_PSS) {
    let hash = 'sha1';
    if (alg.remaining > 0) {
      const params = new Reader(readTlv(alg).body);
      while (params.remaining > 0) {
        const field = readTlv(params);
        // [0] EXPLICIT hashAlgorithm AlgorithmIdentifier
        if (field.tag === 0xa0) hash = HASHES[decodeOid(readTlv(new Reader(readTlv(new Reader(field.body)).body)).body)] ?? 'unknown';
      }
    }
    return { name: `rsassa-pss-${hash}`, hash, oid };
  }
  const known = SIGNATURES[oid];
  return known ? { ...known, oid } : { name: `unknown ${oid}`, hash: 'unknown', oid };
}
