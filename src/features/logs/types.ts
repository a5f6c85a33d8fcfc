/** What feature 'logs' adds to ServerConfig (its part of `features`), printed by templates/features/logs.hbs. */
import type { FeatureResult } from '../types.js';

/** How apachectl starts httpd under another argv[0], keeping the PID (POSIX sh has no `exec -a`). */
export interface ProcessName {
  /** argv[0], right-padded with spaces to the length of the daemon's display name. */
  readonly name: string;
  /** The command, before "$HTTPD" NAME ARGS..., that execs httpd with argv[0] set to NAME. */
  readonly exec: readonly string[];
}

/** What the logs feature sets on the line: the Python interpreter's set-up. */
export interface DaemonPython {
  readonly pythonEggs: string | null;
  readonly switchInterval: number | null;
}

export interface LogsResult extends FeatureResult {
  /** Its part of the WSGIDaemonProcess line. */
  readonly daemonPython: DaemonPython;
  /** WSGIVerboseDebugging On (only where the module has the directive). */
  readonly verboseDebugging: boolean;
  /** WSGIDestroyInterpreter Off. */
  readonly orphanInterpreter: boolean;
  readonly pythonWarnings: readonly string[];
  /** WSGIPythonEggs, for embedded mode (daemons get python-eggs=). */
  readonly embeddedEggs?: string;
  readonly switchInterval?: number;
  readonly freeThreading: boolean;
  /** Read by templates/apachectl.hbs. */
  readonly processName?: ProcessName;
}
