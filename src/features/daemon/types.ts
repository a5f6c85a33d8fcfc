/** What feature 'daemon' adds to ServerConfig (its part of `features`), printed by templates/features/daemon.hbs. */
import type { FeatureResult } from '../types.js';

export interface DaemonResult extends FeatureResult {
  /** `ListenBacklog`: the kernel queue of Apache's listening socket. */
  readonly serverBacklog: number;
}
