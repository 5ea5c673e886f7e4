/**
 * Update mechanism: the harness plays the update server and, through the device profile,
 * offers the device good and bad updates and reads back what it installed. Runs last, so the
 * device's firmware changes never affect the other suites.
 */
import { defineSuite } from '../../harness/plugins/registry.ts';

export default defineSuite({
  version: '1.0.0',
  title: 'Software update mechanism',
  after: ['open-ports', 'encryption'],
  checks: ['update-channel', 'automatic-updates', 'offered-updates'],
});
