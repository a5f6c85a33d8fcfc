/**
 * The daemon timeouts the launcher waits by. They are read from the daemon's option list in this
 * one place (daemonSeconds), the only lookup by option name in the launcher.
 */
import type { ServerConfig } from '../resolve.js';

type DaemonConfig = Pick<ServerConfig, 'daemon'>;

/** A WSGIDaemonProcess timeout in seconds; 0 when not set. */
function daemonSeconds(config: DaemonConfig, name: string): number {
  return Number(config.daemon?.options.find(([key]) => key === name)?.[1] ?? 0);
}

/** How long a daemon drains its requests when told to go: --eviction-timeout, else --graceful-timeout. */
export function drainSeconds(config: DaemonConfig): number {
  return daemonSeconds(config, 'eviction-timeout') || daemonSeconds(config, 'graceful-timeout');
}

/**
 * How long replacing one daemon may take: it drains its requests, stops (--shutdown-timeout), and
 * its successor starts (--startup-timeout), plus a margin for importing the application.
 */
export function reloadTimeoutMs(config: DaemonConfig): number {
  const startup = daemonSeconds(config, 'startup-timeout') || 15;
  return (drainSeconds(config) + daemonSeconds(config, 'shutdown-timeout') + startup + 15) * 1000;
}

/** How long an import may take before it is reported: the daemon's --startup-timeout, else 10 s. */
export function importHangMs(config: DaemonConfig): number {
  return (daemonSeconds(config, 'startup-timeout') || 10) * 1000;
}
