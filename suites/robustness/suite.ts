/** Robustness: fuzz the device's MQTT, CoAP and HTTP services with its liveness watched. */
import { defineSuite } from '../../harness/plugins/registry.ts';

export default defineSuite({
  version: '1.0.0',
  title: 'Robustness of exposed services (fuzzing)',
  // Last of all: a crash found here must not leave the other suites a dead device.
  after: ['open-ports', 'default-passwords', 'encryption', 'update-mechanism'],
  checks: ['fuzz-services'],
});
