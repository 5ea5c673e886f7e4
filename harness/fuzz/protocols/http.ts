/**
 * HTTP/1.1 requests (RFC 9112) in the block model: request line, header lines, a
 * Content-Length computed from the body (a length field the mutators can lie in), chunked
 * bodies, and keep-alive pipelines of two requests.
 */
import type { ProtocolModel, Template } from '../protocol.ts';
import type { Rng } from '../rng.ts';
import { bytes, length, type Message, type Segment } from '../segments.ts';

function requestMessage(method: string, target: string, headers: Array<[string, string]>, body?: { text: string; chunked?: boolean }): Message {
  const segs: Segment[] = [
    bytes('method', 'string', method), bytes('sp1', 'literal', ' '), bytes('target', 'string', target),
    bytes('sp2', 'literal', ' '), bytes('version', 'string', 'HTTP/1.1'), bytes('crlf', 'literal', '\r\n'),
  ];
  headers.forEach(([name, value], k) => {
    segs.push(bytes(`h${k}-name`, 'string', name), bytes(`h${k}-sep`, 'literal', ': '), bytes(`h${k}-value`, 'string', value), bytes(`h${k}-crlf`, 'literal', '\r\n'));
  });
  if (body && body.chunked) {
    segs.push(bytes('te-name', 'string', 'Transfer-Encoding'), bytes('te-sep', 'literal', ': '), bytes('te-value', 'string', 'chunked'), bytes('te-crlf', 'literal', '\r\n'), bytes('end', 'literal', '\r\n'));
    const size = Buffer.byteLength(body.text).toString(16);
    segs.push(bytes('chunk-size', 'string', size), bytes('chunk-crlf', 'literal', '\r\n'), bytes('body', 'payload', body.text), bytes('chunk-end', 'literal', '\r\n0\r\n\r\n'));
  } else if (body) {
    segs.push(bytes('cl-name', 'string', 'Content-Length'), bytes('cl-sep', 'literal', ': '), length('content-length', 'decimal', ['body']), bytes('cl-crlf', 'literal', '\r\n'), bytes('end', 'literal', '\r\n'), bytes('body', 'payload', body.text));
  } else {
    segs.push(bytes('end', 'literal', '\r\n'));
  }
  return { label: `${method} ${target}`, segments: segs };
}

const host = (): [string, string] => ['Host', 'device.local'];

/** The HTTP knowledge of the fuzzer. */
export const httpModel: ProtocolModel = {
  name: 'http',
  transport: 'tcp',
  defaultPort: 80,
  bucketByLabel: false,
  template(rng: Rng): Template {
    const ua: [string, string] = ['User-Agent', 'trustlab-fuzz/1'];
    switch (rng.int(5)) {
      case 0: return { label: 'GET /', messages: [requestMessage('GET', rng.pick(['/', '/index.html', '/status?x=1']), [host(), ua, ['Accept', '*/*']])] };
      case 1: return { label: 'POST /login', messages: [requestMessage('POST', '/login', [host(), ['Content-Type', 'application/x-www-form-urlencoded']], { text: 'username=admin&password=admin' })] };
      case 2: return { label: 'GET /admin (basic)', messages: [requestMessage('GET', '/admin', [host(), ['Authorization', 'Basic YWRtaW46YWRtaW4='], ['Cookie', 'session=abc; theme=dark']])] };
      case 3: return { label: 'PUT /api/config (chunked)', messages: [requestMessage('PUT', '/api/config', [host(), ['Content-Type', 'application/json']], { text: '{"ntp":"pool.ntp.org"}', chunked: true })] };
      default: return {
        label: 'GET / then POST /api (pipelined)',
        messages: [requestMessage('GET', '/', [host(), ['Connection', 'keep-alive']]), requestMessage('POST', '/api', [host(), ['Content-Type', 'text/plain']], { text: 'reboot=0' })],
      };
    }
  },
  livenessProbe: () => Buffer.from('GET / HTTP/1.1\r\nHost: device.local\r\nConnection: close\r\n\r\n'),
  provesAlive: (reply) => reply.subarray(0, 5).toString('latin1') === 'HTTP/',
  signature(reply) {
    if (reply.length === 0) return 'none';
    const text = reply.subarray(0, 2048).toString('latin1');
    const status = /^HTTP\/\d\.\d (\d{3})/.exec(text)?.[1];
    if (status === undefined) return 'not-http';
    // The header names (not values) show which code path answered.
    const head = text.split('\r\n\r\n')[0] ?? '';
    const names = head.split('\r\n').slice(1).map((l) => l.split(':')[0]!.toLowerCase()).filter((n) => n !== 'date' && n !== 'content-length').sort();
    return `${status} [${names.join(',')}]`;
  },
};
