/** Default passwords: authentication surfaces, default and derived credentials, brute-force protection, credentials in clear. */
import { defineSuite } from '../../harness/plugins/registry.ts';

export default defineSuite({
  version: '1.0.0',
  title: 'Default passwords and interface access control',
  after: ['open-ports'],
  // Derived candidates come before the corpus (few attempts, before any lockout), brute force last but one.
  checks: ['surfaces-declared', 'uniqueness', 'default-credentials', 'brute-force', 'cleartext'],
});
