/**
 * Telnet option negotiation (RFC 854/855) for a login client: strip IAC sequences from what
 * the server sends and answer each request so the server never waits on us. We agree to the
 * server echoing and suppressing go-ahead (what busybox and util-linux telnetd ask for) and
 * refuse everything else, so no terminal-type or window-size subnegotiation follows.
 */
export const IAC = 255;
const DONT = 254;
const DO = 253;
const WONT = 252;
const WILL = 251;
const SB = 250;
const SE = 240;
const ECHO = 1;
const SGA = 3;

type State = 'data' | 'iac' | 'will' | 'wont' | 'do' | 'dont' | 'sb' | 'sb-iac';

/** Feeds bytes from the server; returns the text and the replies to send back. */
export class TelnetDecoder {
  private state: State = 'data';

  /** Decode one chunk: printable data (latin1) and the negotiation replies it calls for. */
  feed(chunk: Buffer): { text: string; reply: Buffer } {
    const data: number[] = [];
    const reply: number[] = [];
    for (const b of chunk) {
      switch (this.state) {
        case 'data':
          if (b === IAC) this.state = 'iac';
          else if (b !== 0) data.push(b);
          break;
        case 'iac':
          if (b === IAC) { data.push(IAC); this.state = 'data'; } else if (b === WILL) this.state = 'will';
          else if (b === WONT) this.state = 'wont';
          else if (b === DO) this.state = 'do';
          else if (b === DONT) this.state = 'dont';
          else if (b === SB) this.state = 'sb';
          else this.state = 'data';
          break;
        case 'will':
          reply.push(IAC, b === ECHO || b === SGA ? DO : DONT, b);
          this.state = 'data';
          break;
        case 'do':
          reply.push(IAC, b === SGA ? WILL : WONT, b);
          this.state = 'data';
          break;
        case 'wont':
        case 'dont':
          this.state = 'data';
          break;
        case 'sb':
          if (b === IAC) this.state = 'sb-iac';
          break;
        case 'sb-iac':
          this.state = b === SE ? 'data' : 'sb';
          break;
      }
    }
    return { text: Buffer.from(data).toString('latin1'), reply: Buffer.from(reply) };
  }
}

/** Escape IAC in user data (a 0xff byte in a password must be doubled). */
export function escapeIac(text: string): Buffer {
  const raw = Buffer.from(text, 'utf8');
  const out: number[] = [];
  for (const b of raw) {
    out.push(b);
    if (b === IAC) out.push(IAC);
  }
  return Buffer.from(out);
}

// eslint-disable-next-line no-control-regex
const ANSI = /\x1b\[[0-9;?]*[A-Za-z]/g;
/** The last line of the screen so far, without ANSI colour codes or trailing CR. */
export function lastLine(screen: string): string {
  const clean = screen.replace(ANSI, '');
  const lines = clean.split(/\r?\n|\r/);
  return lines[lines.length - 1] ?? '';
}

/** Prompts and verdict phrases of common embedded logins (BusyBox, util-linux, vendor shells). */
export const PATTERNS = {
  login: /(login|user ?name|user)\s*:\s*$/i,
  password: /pass(word|wd|code)?\s*:\s*$/i,
  shell: /([#$%>]|\]\s?[#$])\s*$/,
  welcome: /(BusyBox v\d|Last login:|Welcome to|built-in shell)/i,
  failure: /(incorrect|invalid|fail|denied|wrong|bad password|not allowed|authentication error)/i,
  lockout: /(locked|too many|try again later|temporarily disabled|blocked)/i,
};
