/** Encryption: TLS, SSH, DTLS, plaintext channels and shared keys, judged by versioned policy tables. */
import { defineSuite } from '../../harness/plugins/registry.ts';

export default defineSuite({
  version: '1.0.0',
  title: 'Encryption of communications',
  after: ['open-ports'],
  checks: ['tls', 'ssh', 'plaintext', 'coap-dtls', 'shared-keys'],
});
