/** What feature 'daemon' adds to ServerConfig (its part of `features`), printed by templates/features/daemon.hbs. */
import type { FeatureResult } from '../types.js';

/** What the daemon feature sets on the line (src/features/daemon/): timeouts, backlog, buffers. */
export interface DaemonTuning {
  readonly connectTimeout: number;
  readonly startupTimeout: number;
  readonly deadlockTimeout: number;
  readonly gracefulTimeout: number;
  /** The daemon socket's backlog: --daemon-backlog, else room for every Apache thread. */
  readonly listenBacklog: number;
  // Each of these only when not its default.
  readonly restartInterval: number | null;
  readonly inactivityTimeout: number | null;
  readonly cpuTimeLimit: number | null;
  readonly evictionTimeout: number | null;
  readonly interruptTimeout: number | null;
  readonly responseSocketTimeout: number | null;
  readonly responseFlushDelay: number | null;
  readonly sendBufferSize: number | null;
  readonly receiveBufferSize: number | null;
  readonly headerBufferSize: number | null;
  readonly responseBufferSize: number | null;
}

export interface DaemonResult extends FeatureResult {
  /** Its part of the WSGIDaemonProcess line; undefined without daemon processes. */
  readonly process: DaemonTuning | undefined;
  /** `ListenBacklog`: the kernel queue of Apache's listening socket. */
  readonly serverBacklog: number;
}
