/** What feature 'services' adds to ServerConfig (its part of `features`), printed by templates/features/services.hbs. */
import type { FeatureResult } from '../types.js';

/** The WSGIDaemonProcess of a service script; a null option is left out. */
export interface ServiceProcess {
  /** %{GROUP}: ps shows (wsgi:service:NAME). */
  readonly displayName: string;
  /** --service-user and --service-group, only when started as root. */
  readonly user: string | null;
  readonly group: string | null;
  readonly home: string;
  /** 0: the process runs the script and serves no requests. */
  readonly threads: number;
  readonly pythonHome: string | null;
  readonly pythonPath: string | null;
  readonly lang: string;
  readonly locale: string;
}

export interface Service {
  readonly name: string;
  /** The daemon process group, service:NAME; its processes show as (wsgi:service:NAME). */
  readonly group: string;
  readonly script: string;
  /** Its WSGIDaemonProcess options (templates/features/services.hbs prints them by name). */
  readonly process: ServiceProcess;
  /** The service's own error log, or undefined for the main one. */
  readonly logFile: string | undefined;
  /** What ErrorLog names: logFile, or a pipe to rotatelogs (--rotate-logs). */
  readonly logTarget: string | undefined;
  /** Address of the virtual host that carries the service's ErrorLog and never serves a request. */
  readonly vhost: string | undefined;
}

export interface DebugTools {
  readonly debugger: boolean;
  readonly debuggerStartup: boolean;
  readonly coverageDirectory: string | undefined;
  readonly profilerDirectory: string | undefined;
  readonly recorderDirectory: string | undefined;
  /** True when the app is wrapped in handler.wsgi (debugger, coverage, profiler or recorder). */
  readonly wrapsApp: boolean;
}

export interface Gdb {
  readonly executable: string;
  /** The gdb.cmds file in the server root. */
  readonly commands: string;
}

export interface Telemetry {
  /** unix:/path of the ingester's socket. */
  readonly target: string;
  /** The second argument of WSGITelemetryService, interval=SECONDS. */
  readonly interval: string;
  /** WSGISlowRequests, as text (0 is a valid threshold). */
  readonly slowRequests: string | undefined;
  /** One WSGITelemetryOptions line each, as its tokens. */
  readonly options: readonly (readonly string[])[];
  /** With --enable-telemetry: the script the telemetry service runs, and its arguments. */
  readonly ingester: { readonly script: string; readonly argv: readonly string[] } | undefined;
}

export interface ServicesResult extends FeatureResult {
  readonly services: readonly Service[];
  /** WSGISocketPrefix for the service daemons when the core prints none (no WSGI application). */
  readonly socketPrefix: string | undefined;
  readonly debug: DebugTools | undefined;
  /** --enable-gdb: apachectl start runs httpd under this gdb with these commands. */
  readonly gdb: Gdb | undefined;
  readonly telemetry: Telemetry | undefined;
  readonly docs: { readonly url: string; readonly directory: string } | undefined;
}
