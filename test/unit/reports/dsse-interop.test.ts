import { spawnSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DsseEnvelope } from '../../../reports/dsse.ts';
import { keyIdFor } from '../../../reports/keys.ts';
import { sealRun } from '../../../reports/signed-run.ts';

// Debian's interpreter, not whatever python3 is first on PATH: python3-securesystemslib installs there.
const PYTHON = '/usr/bin/python3';
const INSTALL_HINT = 'install it with `apt-get install python3-securesystemslib` (CI does this in .ci/run)';

// An independent verifier. securesystemslib >= 0.27 has dsse.Envelope; Debian bookworm ships 0.26,
// which predates it, so there PAE is built from the DSSE spec and Ed25519 is checked by SSlibKey.
// The key id is computed from the PEM with securesystemslib's own canonical JSON, not ours.
const VERIFIER = String.raw`
import base64, hashlib, json, os, sys
try:
    import securesystemslib
    from securesystemslib import exceptions, formats
    from securesystemslib.signer import Signature, SSlibKey
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat, load_pem_public_key
except ImportError as exc:
    print("missing module: %s" % exc, file=sys.stderr)
    sys.exit(3)

req = json.load(sys.stdin)
pub = load_pem_public_key(req["publicKeyPem"].encode())
key_doc = {"keytype": "ed25519", "scheme": "ed25519",
           "keyval": {"public": pub.public_bytes(Encoding.Raw, PublicFormat.Raw).hex()}}
keyid = hashlib.sha256(formats.encode_canonical(key_doc).encode("utf-8")).hexdigest()
key = SSlibKey.from_dict(keyid, json.loads(json.dumps(key_doc)))
env = req["envelope"]
out = {"version": securesystemslib.__version__, "keyid": keyid, "verified": False}
try:
    from securesystemslib.dsse import Envelope
except ImportError:
    Envelope = None
try:
    if Envelope is not None:
        out["method"] = "securesystemslib.dsse.Envelope.verify"
        envelope = Envelope.from_dict(json.loads(json.dumps(env)))
        envelope.verify([key], 1)
        payload = envelope.payload
    else:
        out["method"] = "DSSE PAE + securesystemslib.signer.SSlibKey.verify_signature"
        payload = base64.b64decode(env["payload"], validate=True)
        ptype = env["payloadType"].encode("utf-8")
        pae = b"DSSEv1 %d %b %d %b" % (len(ptype), ptype, len(payload), payload)
        sigs = [s for s in env["signatures"] if s.get("keyid") == keyid]
        if not sigs:
            raise ValueError("no signature with keyid %s" % keyid)
        for s in sigs:
            key.verify_signature(Signature(keyid, base64.b64decode(s["sig"], validate=True).hex()), pae)
    out["verified"] = True
    statement = json.loads(payload)
    out["statementType"] = statement["_type"]
    out["subjectMismatches"] = []
    for subject in statement["subject"]:
        with open(os.path.join(req["runDir"], subject["name"]), "rb") as f:
            if hashlib.sha256(f.read()).hexdigest() != subject["digest"]["sha256"]:
                out["subjectMismatches"].append(subject["name"])
except Exception as exc:
    out["error"] = "%s: %s" % (type(exc).__name__, exc)
print(json.dumps(out))
`;

interface VerifierOutput {
  version: string;
  keyid: string;
  verified: boolean;
  method: string;
  statementType?: string;
  subjectMismatches?: string[];
  error?: string;
}

function pythonVerify(envelope: DsseEnvelope, publicKeyPem: string, runDir: string): VerifierOutput {
  if (!existsSync(PYTHON)) throw new Error(`${PYTHON} is missing: ${INSTALL_HINT}`);
  const res = spawnSync(PYTHON, ['-c', VERIFIER], {
    input: JSON.stringify({ envelope, publicKeyPem, runDir }),
    encoding: 'utf8',
    timeout: 30_000,
  });
  if (res.status === 3) throw new Error(`securesystemslib is not importable by ${PYTHON} (${res.stderr.trim()}): ${INSTALL_HINT}`);
  if (res.status !== 0) throw new Error(`${PYTHON} verifier exited ${res.status}: ${res.stderr || String(res.error)}`);
  return JSON.parse(res.stdout) as VerifierOutput;
}

const lab = generateKeyPairSync('ed25519');
let runDir: string;
let envelope: DsseEnvelope;
let pem: string;

beforeAll(async () => {
  runDir = await mkdtemp(join(tmpdir(), 'trustlab-interop-'));
  await mkdir(join(runDir, 'data/exports'), { recursive: true });
  await writeFile(join(runDir, 'data/report.json'), '{"device":"cam-\u00e9","verdict":"fail"}\n');
  await writeFile(join(runDir, 'data/exports/x.sarif'), '{"version":"2.1.0","runs":[]}\n');
  await sealRun(runDir, { privateKey: lab.privateKey, bagInfo: { 'External-Identifier': 'r1' }, predicate: { note: '\u20ac' } });
  envelope = JSON.parse(await readFile(join(runDir, 'report.intoto.json'), 'utf8')) as DsseEnvelope;
  pem = await readFile(join(runDir, 'lab-key.pub.pem'), 'utf8');
});
afterAll(async () => {
  await rm(runDir, { recursive: true, force: true });
});

describe('DSSE interop with securesystemslib', () => {
  it('verifies our envelope, agrees on the key id and on every subject digest', () => {
    const out = pythonVerify(envelope, pem, runDir);
    expect(out.error).toBeUndefined();
    expect(out.verified).toBe(true);
    expect(out.keyid).toBe(keyIdFor(lab.publicKey));
    expect(envelope.signatures[0]!.keyid).toBe(out.keyid);
    expect(out.statementType).toBe('https://in-toto.io/Statement/v1');
    expect(out.subjectMismatches).toEqual([]);
    // Which path ran depends on the installed version (Debian bookworm: 0.26, the PAE path).
    expect(out.method).toMatch(/^(securesystemslib.dsse.Envelope.verify|DSSE PAE \+ securesystemslib)/);
  });

  it('rejects a tampered payload', () => {
    const body = Buffer.from(envelope.payload, 'base64');
    const at = body.indexOf('ctm-test-run');
    expect(at).toBeGreaterThan(0);
    body[at] ^= 0x01;
    const out = pythonVerify({ ...envelope, payload: body.toString('base64') }, pem, runDir);
    expect(out.verified).toBe(false);
    expect(out.error).toMatch(/signature/i);
  });

  it('rejects a changed payloadType and a foreign key', () => {
    const retyped = pythonVerify({ ...envelope, payloadType: 'application/json' }, pem, runDir);
    expect(retyped.verified).toBe(false);
    expect(retyped.error).toMatch(/signature/i);
    const other = generateKeyPairSync('ed25519').publicKey.export({ type: 'spki', format: 'pem' }) as string;
    expect(pythonVerify(envelope, other, runDir).verified).toBe(false);
  });
});
