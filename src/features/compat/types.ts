/** What feature 'compat' adds to ServerConfig (its part of `features`), printed by templates/features/compat.hbs. */
import type { FeatureResult } from '../types.js';

export interface CompatResult extends FeatureResult {
  /** `Define NAME VALUE`: the variables mod_wsgi-express's apachectl exports. */
  readonly variables: readonly (readonly [string, string])[];
  /** `Define NAME`: the -D names mod_wsgi-express passes for the features in use. */
  readonly defines: readonly string[];
}
