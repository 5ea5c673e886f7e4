/** Open ports / attack surface: discovers what every other suite works on, so it runs first. */
import { defineSuite } from '../../harness/plugins/registry.ts';

export default defineSuite({
  version: '1.0.0',
  title: 'Open ports and attack surface',
  after: [],
  checks: ['listening-services', 'debug-services'],
});
