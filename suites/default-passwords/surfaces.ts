/**
 * The device's authentication surfaces, from what discovery found: each open service is
 * asked what login it offers (SSH methods, an HTTP challenge, a login form, MQTT/FTP/RTSP/
 * CoAP/WebSocket access without credentials). Found once per device and shared by the checks
 * of one run, so later checks never re-probe a surface an earlier check locked.
 */
import type { CheckContext } from '../../harness/plugins/types.ts';
import type { DiscoveredService, Target } from '../../harness/model.ts';
import { loadTable } from '../../harness/plugins/policies.ts';
import { TrustlabError } from '../../harness/errors.ts';
import { sshOfferedMethods } from '../../adapters/ssh/login.ts';
import { httpAuthProbe, type Challenge } from '../../adapters/http/auth.ts';
import { findLoginForm, launchBrowser, type LoginForm } from '../../adapters/web-ui/login-form.ts';
import { mqttConnect } from '../../adapters/mqtt/connect.ts';
import { ANONYMOUS, ftpTryAll } from '../../adapters/ftp/login.ts';
import { rtspProbe } from '../../adapters/rtsp/describe.ts';
import { coapAudit, type CoapResourceAccess } from '../../adapters/coap/access.ts';
import { wsUpgrade } from '../../adapters/ws/upgrade.ts';

export const surfaceTable = Object.assign(loadTable<{
  version: string;
  services: Record<'ssh' | 'telnet' | 'http' | 'https' | 'mqtt' | 'mqtts' | 'ftp' | 'rtsp', string[]>;
  portHints: Record<string, string>;
  httpAuthPaths: string[];
  loginFormPaths: string[];
  rtspPaths: string[];
  wsPaths: string[];
  coapDefaultPorts: number[];
  bruteForce: { failures: number; maxSeconds: number; slowFailureMs: number; growthFactor: number };
  limits: { maxAttemptsPerSurface: number; webFormMaxAttempts: number };
}>(new URL('./data/surfaces.json', import.meta.url)), { ref: { id: 'suites/default-passwords/data/surfaces', version: '' } });
surfaceTable.ref.version = surfaceTable.version;

export type SurfaceKind = 'ssh' | 'telnet' | 'http-basic' | 'http-digest' | 'web-form' | 'mqtt' | 'coap' | 'ftp' | 'rtsp' | 'ws';

/** One place a device asks for (or skips) authentication. */
export interface Surface {
  kind: SurfaceKind;
  target: Target;
  tls: boolean;
  path?: string;
  /** A password (or username/password) login is offered here. */
  passwordLogin: boolean;
  /** What discovery saw, e.g. "methods: publickey". */
  detail: string;
  /** Access granted with no credentials at all, seen while probing. */
  anonymous?: { detail: string; transcript: string };
  sshMethods?: string[];
  challenge?: Challenge;
  form?: LoginForm;
  coap?: CoapResourceAccess[];
}

/** "ssh tcp/2222", "web-form https tcp/8443 /login". */
export const label = (s: Surface): string => `${s.kind} ${s.target.transport}/${s.target.port}${s.path ? ` ${s.path}` : ''}`;

const cache = new WeakMap<object, Promise<Surface[]>>();

/** The surfaces of the context's device (probed once per device config object). */
export function findSurfaces(ctx: CheckContext): Promise<Surface[]> {
  let p = cache.get(ctx.device);
  if (!p) {
    p = probeAll(ctx);
    cache.set(ctx.device, p);
    p.catch(() => cache.delete(ctx.device));
  }
  return p;
}

function kindOf(s: DiscoveredService): keyof typeof surfaceTable.services | undefined {
  const name = s.service ?? 'unknown';
  for (const [kind, names] of Object.entries(surfaceTable.services)) if (names.includes(name)) return kind as keyof typeof surfaceTable.services;
  if (name === 'unknown' || s.identifiedBy === 'port') return surfaceTable.portHints[String(s.port)] as keyof typeof surfaceTable.services | undefined;
  return undefined;
}

// Transport faults while probing (a port closed since discovery) mean "no surface there".
async function quiet<T>(p: Promise<T>): Promise<T | undefined> {
  try {
    return await p;
  } catch (err) {
    if (err instanceof TrustlabError && err.code === 'TL_TRANSPORT') return undefined;
    throw err;
  }
}

async function probeAll(ctx: CheckContext): Promise<Surface[]> {
  const addr = ctx.device.address;
  const base = { guard: ctx.guard, address: addr, timeoutMs: 4000, signal: ctx.signal };
  const out: Surface[] = [];
  const webs: { port: number; tls: boolean; service: string }[] = [];
  const tcp = ctx.discovered().filter((s) => s.transport === 'tcp' && s.state === 'open');
  for (const s of tcp) {
    const kind = kindOf(s);
    const target: Target = { transport: 'tcp', port: s.port, service: s.service ?? kind ?? 'unknown' };
    const t = { ...base, port: s.port };
    if (kind === 'ssh') {
      const m = await quiet(sshOfferedMethods(t));
      if (!m) continue;
      const pw = m.offered.includes('password') || m.offered.includes('keyboard-interactive');
      out.push({ kind: 'ssh', target, tls: true, passwordLogin: pw, sshMethods: m.offered, detail: `methods offered: ${m.offered.join(', ') || '(none listed)'}` });
    } else if (kind === 'telnet') {
      out.push({ kind: 'telnet', target, tls: false, passwordLogin: true, detail: 'telnet login service' });
    } else if (kind === 'http' || kind === 'https') {
      webs.push({ port: s.port, tls: kind === 'https', service: target.service ?? kind });
    } else if (kind === 'mqtt' || kind === 'mqtts') {
      const a = await quiet(mqttConnect({ ...t, tls: kind === 'mqtts' }));
      if (!a) continue;
      out.push({ kind: 'mqtt', target, tls: kind === 'mqtts', passwordLogin: a.outcome !== 'accepted', detail: `CONNECT without credentials: ${a.detail}`, ...(a.outcome === 'accepted' ? { anonymous: { detail: a.detail, transcript: a.transcript } } : {}) });
    } else if (kind === 'ftp') {
      const [a] = (await quiet(ftpTryAll({ ...t, budget: ctx.budget }, [ANONYMOUS]))) ?? [];
      if (!a) continue;
      out.push({ kind: 'ftp', target, tls: false, passwordLogin: true, detail: `anonymous login: ${a.detail}`, ...(a.outcome === 'accepted' ? { anonymous: { detail: `USER anonymous: ${a.detail}`, transcript: a.transcript } } : {}) });
    } else if (kind === 'rtsp' || target.service === 'unknown') {
      for (const path of surfaceTable.rtspPaths) {
        const r = await quiet(rtspProbe(t, path).catch((err: unknown) => { if (err instanceof RangeError) return undefined; throw err; }));
        if (!r || r.status === undefined) break;
        if (r.status === 200) { out.push({ kind: 'rtsp', target: { ...target, service: 'rtsp' }, tls: false, path, passwordLogin: false, detail: `DESCRIBE ${path} answered 200 without credentials`, anonymous: { detail: `DESCRIBE ${path}: 200 with a stream description`, transcript: r.transcript } }); break; }
        if (r.status === 401 && r.challenge && r.challenge.scheme !== 'other') { out.push({ kind: 'rtsp', target: { ...target, service: 'rtsp' }, tls: false, path, passwordLogin: true, challenge: r.challenge, detail: `DESCRIBE ${path} asks for ${r.challenge.scheme} credentials` }); break; }
      }
    }
  }
  if (webs.length > 0) out.push(...await probeWeb(ctx, webs));
  for (const port of coapPorts(ctx)) {
    const audit = await quiet(coapAudit({ guard: ctx.guard, address: addr, port, timeoutMs: 800 }));
    if (!audit?.discovery.code) continue;
    const open = audit.resources.filter((r) => r.outcome === 'accepted');
    out.push({
      kind: 'coap', target: { transport: 'udp', port, service: 'coap' }, tls: false, passwordLogin: false, coap: audit.resources,
      detail: `${audit.resources.length} resource(s) discovered, ${open.length} reachable without credentials`,
      ...(open.length > 0 ? { anonymous: { detail: open.map((r) => `${r.path}: GET ${r.read.code}${r.write ? `, PUT back ${r.write.code}` : ''}`).join('; '), transcript: JSON.stringify(audit, null, 1) } } : {}),
    });
  }
  return out;
}

async function probeWeb(ctx: CheckContext, webs: { port: number; tls: boolean; service: string }[]): Promise<Surface[]> {
  const out: Surface[] = [];
  const browser = await launchBrowser();
  try {
    for (const w of webs) {
      const target: Target = { transport: 'tcp', port: w.port, service: w.service };
      const t = { guard: ctx.guard, address: ctx.device.address, port: w.port, tls: w.tls, timeoutMs: 4000, signal: ctx.signal };
      for (const path of surfaceTable.httpAuthPaths) {
        const p = await quiet(httpAuthProbe({ ...t, path }));
        if (!p) break;
        if (p.status === 401 && p.challenge && p.challenge.scheme !== 'other') {
          out.push({ kind: p.challenge.scheme === 'basic' ? 'http-basic' : 'http-digest', target, tls: w.tls, path, passwordLogin: true, challenge: p.challenge, detail: `GET ${path}: 401 ${p.challenge.raw}` });
          break;
        }
      }
      const { form } = await findLoginForm(browser, t, surfaceTable.loginFormPaths).catch((): { form?: LoginForm } => ({}));
      if (form) out.push({ kind: 'web-form', target, tls: w.tls, path: new URL(form.url).pathname, passwordLogin: true, form, detail: `login form at ${new URL(form.url).pathname}` });
      for (const path of surfaceTable.wsPaths) {
        const u = await wsUpgrade(t, path);
        if (u.outcome === 'not-offered') continue;
        out.push({ kind: 'ws', target, tls: w.tls, path, passwordLogin: false, detail: u.detail, ...(u.outcome === 'accepted' ? { anonymous: { detail: u.detail, transcript: `GET ${path} Upgrade: websocket (no credentials)\n<- ${u.detail}\n` } } : {}) });
        break;
      }
    }
  } finally {
    await browser.close();
  }
  return out;
}

/** UDP ports to ask for CoAP: discovered, declared, and the defaults. */
function coapPorts(ctx: CheckContext): number[] {
  const discovered = ctx.discovered().filter((s) => s.transport === 'udp' && s.state !== 'closed' && s.service === 'coap').map((s) => s.port);
  const declared = ctx.device.declared.services.filter((s) => s.transport === 'udp' && s.service === 'coap').map((s) => s.port);
  return [...new Set([...surfaceTable.coapDefaultPorts, ...discovered, ...declared])];
}
