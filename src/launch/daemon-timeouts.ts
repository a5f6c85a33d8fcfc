/**
 * The daemon timeouts the launcher waits by, from the daemon's typed settings (0 or null: not set).
 */
import type { ServerConfig } from '../config.js';

type DaemonConfig = Pick<ServerConfig, 'daemon'>;

/** How long a daemon drains its requests when told to go: --eviction-timeout, else --graceful-timeout. */
export function drainSeconds(config: DaemonConfig): number {
  return (config.daemon?.evictionTimeout ?? 0) || (config.daemon?.gracefulTimeout ?? 0);
}

/**
 * How long replacing one daemon may take: it drains its requests, stops (--shutdown-timeout), and
 * its successor starts (--startup-timeout), plus a margin for importing the application.
 */
export function reloadTimeoutMs(config: DaemonConfig): number {
  const startup = config.daemon?.startupTimeout || 15;
  return (drainSeconds(config) + (config.daemon?.shutdownTimeout ?? 0) + startup + 15) * 1000;
}

/** How long an import may take before it is reported: the daemon's --startup-timeout, else 10 s. */
export function importHangMs(config: DaemonConfig): number {
  return (config.daemon?.startupTimeout || 10) * 1000;
}
