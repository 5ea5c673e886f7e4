/**
 * The fragile device's CoAP endpoint (RFC 7252, Block1 of RFC 7959): a hand-written parser
 * with two planted bugs:
 *  - coap-option-delta-overflow: the running option number is kept in a 32-bit integer but
 *    used to index a 64 K-entry option table, so extended deltas that carry it past 65535
 *    crash the daemon;
 *  - coap-block1-no-first-block: a Block1 upload block with NUM > 0 when no transfer was
 *    started from that endpoint writes into a reassembly buffer that was never allocated.
 * Malformed messages are otherwise answered with RST or ignored, as the RFC says.
 */
import type dgram from 'node:dgram';
import { runFragile, type FragileTiming, type Firmware } from './fragile-firmware.ts';
import { bindUdp, closeUdp, type BindTarget, type RunningService } from './lifecycle.ts';

interface Parsed {
  type: number;
  code: number;
  id: number;
  token: Buffer;
  options: { number: number; value: Buffer }[];
  payload: Buffer;
}

const OPTION_LIMIT = 0xffff;
const URI_PATH = 11;
const BLOCK1 = 27;

function parse(fw: Firmware, m: Buffer): Parsed | 'format-error' | 'crashed' {
  if (m.length < 4 || m[0]! >> 6 !== 1) return 'format-error';
  const tkl = m[0]! & 0x0f;
  if (tkl > 8 || 4 + tkl > m.length) return 'format-error';
  const out: Parsed = { type: (m[0]! >> 4) & 3, code: m[1]!, id: m.readUInt16BE(2), token: m.subarray(4, 4 + tkl), options: [], payload: Buffer.alloc(0) };
  let at = 4 + tkl;
  let number = 0;
  while (at < m.length) {
    const head = m[at++]!;
    if (head === 0xff) { out.payload = m.subarray(at); break; }
    const ext = (nib: number): number | undefined => {
      if (nib < 13) return nib;
      if (nib === 13) return at < m.length ? 13 + m[at++]! : undefined;
      if (nib === 14) { if (at + 2 > m.length) return undefined; const v = 269 + m.readUInt16BE(at); at += 2; return v; }
      return undefined;
    };
    const delta = ext(head >> 4);
    const len = ext(head & 0x0f);
    if (delta === undefined || len === undefined || at + len > m.length) return 'format-error';
    number += delta;
    if (number > OPTION_LIMIT) { fw.crash('coap-option-delta-overflow'); return 'crashed'; }
    out.options.push({ number, value: m.subarray(at, at + len) });
    at += len;
  }
  return out;
}

function reply(req: Parsed, code: number, options: Buffer = Buffer.alloc(0), payload?: string): Buffer {
  const type = req.type === 0 ? 2 : 1; // piggybacked ACK for CON, NON for NON
  const head = Buffer.from([0x40 | (type << 4) | req.token.length, code, req.id >> 8, req.id & 0xff]);
  return Buffer.concat([head, req.token, options, ...(payload === undefined ? [] : [Buffer.from([0xff]), Buffer.from(payload)])]);
}

const code = (c: number, d: number): number => (c << 5) | d;

function blockOf(value: Buffer): { num: number; more: boolean } {
  let v = 0;
  for (const b of value) v = (v << 8) | b;
  return { num: v >> 4, more: (v & 8) !== 0 };
}

/** Start the fragile CoAP endpoint on the target. */
export function startFragileCoap(target: BindTarget, timing: FragileTiming): Promise<RunningService> {
  return runFragile(target, timing, (fw) => async () => {
    const socket: dgram.Socket = await bindUdp(target);
    // Reassembly buffers per client endpoint, as a CoAP stack keeps per-session state.
    const uploads = new Map<string, Buffer[]>();
    socket.on('message', (m: Buffer, from: dgram.RemoteInfo) => {
      if (fw.hung) return;
      const send = (b: Buffer): void => { try { socket.send(b, from.port, from.address); } catch { /* socket closed by a crash */ } };
      const req = parse(fw, m);
      if (req === 'crashed') return;
      if (req === 'format-error') {
        if (m.length >= 4 && ((m[0]! >> 4) & 3) === 0) send(Buffer.from([0x70, 0x00, m[2]!, m[3]!]));
        return;
      }
      if (req.code === 0) { if (req.type === 0) send(Buffer.from([0x70, 0x00, m[2]!, m[3]!])); return; }
      if (req.type >= 2) return;
      const path = req.options.filter((o) => o.number === URI_PATH).map((o) => o.value.toString('latin1')).join('/');
      const method = req.code;
      if (path === '.well-known/core' && method === 1) return send(reply(req, code(2, 5), Buffer.from([0xc1, 40]), '</status>,</config>,</fw/update>'));
      if (path === 'status' && method === 1) return send(reply(req, code(2, 5), undefined, '{"online":true}'));
      if (path === 'config' && (method === 1 || method === 3)) return send(reply(req, method === 1 ? code(2, 5) : code(2, 4), undefined, method === 1 ? '{}' : undefined));
      if (path === 'fw/update' && (method === 2 || method === 3)) {
        const key = `${from.address}:${from.port}`;
        const block = req.options.find((o) => o.number === BLOCK1);
        if (!block) return send(reply(req, code(2, 4)));
        const { num, more } = blockOf(block.value);
        const chunks = uploads.get(key);
        if (num > 0 && chunks === undefined) { fw.crash('coap-block1-no-first-block'); return; }
        if (num === 0) uploads.set(key, [req.payload]);
        else chunks!.push(req.payload);
        // Bounded like a device's session table: the oldest transfer is dropped, and so is a runaway one.
        if (!more || (chunks?.length ?? 0) > 64) uploads.delete(key);
        if (uploads.size > 256) uploads.delete(uploads.keys().next().value!);
        return send(reply(req, more ? code(2, 31) : code(2, 4)));
      }
      return send(reply(req, code(4, 4)));
    });
    return async () => {
      uploads.clear();
      await closeUdp(socket);
    };
  });
}
