/**
 * The types the pipeline passes along, and nothing else (no value at run time): what resolve()
 * gets (Options, Context, Discovery), what it decides (CoreConfig, each feature's part, ServerConfig)
 * and what features exchange with it (FeatureInput, FeatureResult). Imports only types.
 */
import type { CompatResult } from './features/compat/types.js';
import type { DaemonResult, DaemonTuning } from './features/daemon/types.js';
import type { HandlersConfig } from './features/handlers/types.js';
import type { HttpsResult } from './features/https/types.js';
import type { DaemonPython, LogsResult } from './features/logs/types.js';
import type { ProxyResult } from './features/proxy/types.js';
import type { ServicesResult } from './features/services/types.js';
import type { Options } from './options/schema.js';

export type { ExtraDirectory, ExtraFile, FeatureResult } from './features/types.js';
export type { DaemonTuning } from './features/daemon/types.js';
export type { DaemonPython } from './features/logs/types.js';
export type { Options } from './options/schema.js';

export interface Account {
  readonly name: string;
  readonly id: number;
  /** Primary group id, for users. */
  readonly gid?: number;
}

export interface Accounts {
  user(nameOrId: string | number): Account | undefined;
  group(nameOrId: string | number): Account | undefined;
}

export interface ModWsgi {
  /** Absolute path of the module file. */
  readonly path: string;
  /** e.g. [4, 9, 4]; [0, 0, 0] when the module does not say. */
  readonly version: readonly [number, number, number];
  /** "3.11": the Python the module embeds. */
  readonly pythonVersion: string | undefined;
  /** Configuration directives the module registers (their names appear in the binary). */
  readonly directives: ReadonlySet<string>;
  /** Where discovery found it, which is why it is the one loaded (src/discovery/discovery.ts). */
  readonly source: ModWsgiSource;
}

/** How the module was chosen, first match winning in this order. */
export type ModWsgiSource =
  /** --mod-wsgi-module */
  | { readonly kind: 'option' }
  /** $MOD_WSGI_MODULE */
  | { readonly kind: 'environment' }
  /** pip-installed into --python-home's environment */
  | { readonly kind: 'python-home' }
  /** `module-location` of the mod_wsgi-express on PATH (an activated environment's) */
  | { readonly kind: 'mod_wsgi-express'; readonly program: string; readonly passedOver?: string }
  /** mod_wsgi.so in Apache's modules directory (the distribution's package, or install-module's copy) */
  | { readonly kind: 'modules-directory'; readonly passedOver?: string };

/** What src/discovery/ found: the Apache and mod_wsgi this server is made of. */
export interface Discovery {
  readonly httpd: string;
  readonly modulesDirectory: string;
  /** File names in the modules directory, e.g. mod_rewrite.so. */
  readonly modules: ReadonlySet<string>;
  readonly modWsgi: ModWsgi;
  /** The Python interpreter matching the module (Debian: /usr/bin/python3.11), if found. */
  readonly python: string | undefined;
}

export type Mpm = 'event' | 'worker' | 'prefork';

export interface MpmSettings {
  readonly mpm: Mpm;
  /** Directive → value, in the order they are written. */
  readonly directives: readonly (readonly [string, number])[];
  /** Connections Apache itself accepts at once. */
  readonly maxClients: number;
}

/** --rotate-logs: the rotatelogs program and the size at which it starts a new file. */
export interface Rotation {
  readonly executable: string;
  /** Megabytes. */
  readonly maxSize: number;
}

/** What is at a path, as far as resolve needs to know (symlinks followed). */
export interface FileInfo {
  readonly kind: 'file' | 'directory' | 'other';
  /** Permission bits (st_mode & 0o7777). */
  readonly mode: number;
  /** Owner. */
  readonly uid: number;
}

/**
 * Every fact about the machine that resolve and the features' resolvers use: src/discovery/host.ts
 * answers from the real system, a plain object answers in a unit test. Nothing else in resolve
 * reaches the machine.
 */
export interface Host {
  /** The environment express-wsgi was started with. */
  readonly env: NodeJS.ProcessEnv;
  /** User and group look-ups. */
  readonly accounts: Accounts;
  /** What is at `path`, following symlinks; undefined when nothing is (or it cannot be looked at). */
  stat(path: string): FileInfo | undefined;
  /** Whether `path` is a regular file this process may execute. */
  isExecutable(path: string): boolean;
  /** Whether this process may create and replace files in the directory `path`. */
  canWrite(path: string): boolean;
  /** The content of a file; throws as the file system does (error.code says why). */
  readFile(path: string, encoding: 'utf8' | 'latin1'): string;
  /** The names in a directory; [] when it cannot be read. */
  readdir(path: string): string[];
  /** `path` with every symlink resolved, also for a path not created yet. */
  realPath(path: string): string;
  /**
   * A program by bare name: the first executable regular file NAME in the absolute entries of
   * $PATH, then in `extraDirs`. (Relative PATH entries are skipped: they name a different program
   * depending on the directory.)
   */
  which(name: string, extraDirs?: readonly string[]): string | undefined;
  /** Whether `python` imports `module` with PYTHONPATH set to `pythonPath` (runs Python once). */
  canImport(python: string, module: string, pythonPath: readonly string[]): boolean;
  /** The system's mime.types file (TypesConfig), if there is one. */
  mimeTypesFile(): string | undefined;
  /** express-wsgi's documentation directory (docs/ of the installation; it may be missing). */
  readonly docsDirectory: string;
}

export interface Context {
  readonly cwd: string;
  readonly uid: number;
  readonly gid: number;
  /** CPUs this process may use: embedded mode's default number of processes. */
  readonly cpus: number;
  /** The command line as typed, recorded in apachectl. */
  readonly argv: readonly string[];
  readonly version: string;
  /** Every fact about the machine (src/discovery/host.ts, or a fake one in unit tests). */
  readonly host: Host;
}

export type Mode = 'daemon' | 'embedded' | 'static';

export interface LoadedModule {
  readonly id: string;
  readonly path: string;
}

export interface UrlAlias {
  readonly url: string;
  readonly path: string;
  /** For a file alias: its directory and name, which get their own access rule. */
  readonly file?: { readonly dir: string; readonly name: string };
}

/** What the core resolver decides; features add to it (src/features/). */
export interface CoreConfig {
  readonly version: string;
  readonly argv: readonly string[];
  readonly mode: Mode;
  readonly paths: {
    readonly serverRoot: string;
    readonly httpdConf: string;
    readonly apachectl: string;
    readonly envvars: string;
    readonly rewriteRules: string;
    readonly handler: string;
    /** What `apachectl check-app` runs: imports the app once, as its process would (app-check.ts). */
    readonly checkApp: string;
    /** What a restart steers new connections with (templates/steer-listeners.pl.hbs). */
    readonly steerListeners: string;
    readonly welcome: string;
    readonly pidFile: string;
    readonly documentRoot: string;
    /** True when the document root is ours (<root>/htdocs) and must be created. */
    readonly ownDocumentRoot: boolean;
    readonly logDirectory: string;
    readonly socketPrefix: string;
  };
  readonly httpd: string;
  readonly shell: string;
  readonly modWsgiVersion: string;
  /** The module loaded, the Python it was built for, and in words why it is this one. */
  readonly modWsgiModule: {
    readonly path: string;
    readonly pythonVersion: string | undefined;
    readonly why: string;
  };
  readonly modules: readonly LoadedModule[];
  readonly mpm: MpmSettings;
  readonly listen: string;
  /** --host as given (unset: every interface) and the port, for start-up checks and probes. */
  readonly host?: string;
  readonly port: number;
  readonly serverName: string;
  readonly url: string;
  readonly user: Account;
  readonly group: Account;
  readonly startedAsRoot: boolean;
  readonly workingDirectory: string;
  readonly locale: string;
  readonly pythonHome?: string;
  readonly pythonPath: readonly string[];
  /** The app's daemon process group as the core decides it (daemon mode only). */
  readonly daemon?: CoreDaemon;
  /** %{GLOBAL} runs in the Apache children (embedded); otherwise the daemon group. */
  readonly processGroup: string;
  /** The Python (sub-)interpreter of the app: --application-group, %{GLOBAL} by default. */
  readonly applicationGroup: string;
  /** Import the app when its process starts (WSGIImportScript): not for a group expanded per request. */
  readonly importAtStart: boolean;
  readonly capacity: { readonly processes: number; readonly threads: number };
  readonly app?: {
    readonly type: 'script' | 'module' | 'paste';
    readonly entryPoint: string;
    readonly callable: string;
    readonly mountPoint: string;
    /** Regex on REQUEST_URI that limits the app to its mount point; undefined at /. */
    readonly mountPattern?: string;
    readonly welcome: boolean;
    readonly reloading: boolean;
    readonly reloadOnChanges: boolean;
  };
  /** How `apachectl check-app` imports the app before Apache starts; undefined for a static site. */
  readonly appCheck?: AppCheck;
  readonly directoryIndex?: string;
  readonly directoryListing: boolean;
  readonly aliases: readonly UrlAlias[];
  readonly compressResponses: boolean;
  readonly log: {
    readonly level: string;
    readonly toTerminal: boolean;
    readonly errorLog: string;
    /** What ErrorLog names: errorLog, or a pipe to rotatelogs (--rotate-logs) that keeps errorLog linked. */
    readonly errorLogTarget: string;
    readonly rotation?: Rotation;
    readonly errorLogFormat?: string;
    readonly accessLog?: { readonly file: string; readonly format: string; readonly custom?: string };
    /** What CustomLog names when there is an access log: its file, or the rotatelogs pipe. */
    readonly accessLogTarget?: string;
    readonly startupLog?: string;
  };
  readonly timeouts: {
    readonly socket: number;
    readonly keepAlive: number;
    readonly requestRead: string;
    readonly limitRequestBody: number;
  };
  readonly chunkedRequest: boolean;
  readonly socketRotation: boolean;
  readonly setenv: readonly (readonly [string, string])[];
  readonly passenv: readonly string[];
  readonly includeFiles: readonly string[];
  readonly envvarsScript?: string;
  readonly readyTimeout: number;
  /** SIGTERM drains requests in flight (Apache's graceful-stop) for at most this many seconds. */
  readonly gracefulStop?: { readonly timeout: number };
  readonly setupOnly: boolean;
  /** URL path prefixes never handed to the application (features add them, e.g. /server-status). */
  readonly appExclusions: readonly string[];
  /** Things worth telling the user that are not errors. */
  readonly warnings: readonly string[];
}

/**
 * `apachectl check-app` (templates/check-app.py.hbs): the interpreter and environment the app's
 * process would import it with, so that a broken app fails before Apache starts.
 */
export type AppCheck =
  | {
      /** The app's interpreter: --python-home's bin/python, else the one mod_wsgi embeds. */
      readonly python: string;
      /**
       * The same interpreter with every link resolved (the installed binary, not a file in the
       * environment): run as root, it starts isolated (-I -S), drops to the app's account and
       * only then starts `python`, so nothing of the environment runs as root.
       */
      readonly isolatedPython: string;
      /** Added to sys.path before the import, as mod_wsgi's python-path= / WSGIPythonPath do. */
      readonly pythonPath: readonly string[];
      /** HOME, USER and LOGNAME of the account, which mod_wsgi sets in daemon processes (not embedded). */
      readonly accountEnvironment: boolean;
      /**
       * What the check's stand-in for mod_wsgi's built-in module says (an application may read it
       * at import): the module's version, the daemon process group ('' in embedded mode) and the
       * application group ('' for %{GLOBAL}).
       */
      readonly modWsgi: {
        readonly version: readonly [number, number, number];
        readonly processGroup: string;
        readonly applicationGroup: string;
      };
    }
  | {
      /** Why there is nothing to import with (one sentence, printed by check-app). */
      readonly missing: string;
    };

/**
 * The WSGIDaemonProcess line of the app, one field per option; templates/httpd.conf.hbs prints
 * them in this order (mod_wsgi-express's). A null option is left out (mod_wsgi's default).
 */
export interface CoreDaemon {
  readonly name: string;
  /** Only when --processes is given (mod_wsgi then sets wsgi.multiprocess). */
  readonly processes: number | null;
  readonly threads: number;
  /** What ps shows: (wsgi:NAME) or (wsgi:HOST:PORT:UID). */
  readonly displayName: string;
  readonly home: string;
  readonly pythonHome: string | null;
  /** The module search path, ':'-separated as mod_wsgi takes it. */
  readonly pythonPath: string | null;
  readonly lang: string;
  readonly locale: string;
  readonly maximumRequests: number;
  readonly socketTimeout: number;
  readonly queueTimeout: number;
  readonly requestTimeout: number;
  readonly shutdownTimeout: number;
}

/** The whole WSGIDaemonProcess of the app (server-metrics from the handlers feature). */
export interface DaemonProcess extends CoreDaemon, DaemonTuning, DaemonPython {
  readonly serverMetrics: boolean;
}

/** What a feature's resolver gets: the options, the context, discovery and the core's decisions. */
export interface FeatureInput {
  readonly opts: Options;
  readonly ctx: Context;
  readonly discovery: Discovery;
  /** Everything the core resolver decided (paths, mode, daemon, logs, …). */
  readonly core: CoreConfig;
}

/** What each feature's resolver returned, by name (src/features/index.ts lists the resolvers). */
export interface Features {
  readonly https: HttpsResult;
  readonly proxy: ProxyResult;
  readonly handlers: HandlersConfig;
  readonly daemon: DaemonResult;
  readonly logs: LogsResult;
  readonly services: ServicesResult;
  readonly compat: CompatResult;
}

/** Everything render needs: the core's decisions and each feature's part. */
export interface ServerConfig extends Omit<CoreConfig, 'daemon'> {
  /** The app's daemon process group with every option (daemon mode only). */
  readonly daemon?: DaemonProcess;
  /** TypesConfig: --mime-types (the handlers feature decides), else the system's file. */
  readonly mimeTypes?: string;
  readonly features: Features;
  /** The features in the order their partials print at each hook of the templates. */
  readonly featureOrder: readonly FeatureName[];
  readonly restarts: Restarts;
}

/** How apachectl replaces a running Apache by a new one (src/resolve/restarts.ts), in whole seconds. */
export interface Restarts {
  /** How long the new Apache may take to serve (--ready-timeout rounded up; 0: no bound). */
  readonly readySeconds: number;
  /** How long the old one may finish its requests on `graceful` and `graceful-stop`. */
  readonly gracefulDrain: number;
  /** The same on `restart` (--shutdown-timeout). */
  readonly restartDrain: number;
  /** After the drain, SIGTERM; this long later, SIGKILL to what is left. */
  readonly stopBound: number;
  /** The pid files a new Apache gets, one and then the other. */
  readonly pidFiles: readonly [string, string];
  /**
   * How the swap learns that the application fails to import in the new Apache: "log", from the
   * error log written since it started (imported at start, log in a file); "terminal", it cannot
   * (imported at start, log on the terminal); "first-request", imported only then; "none", no app.
   */
  readonly importCheck: 'log' | 'terminal' | 'first-request' | 'none';
  /**
   * With importCheck "log" in embedded mode, where an Apache worker serves before it imports: the
   * swap waits for a first import's outcome (the handler's markers, logged at --log-level error
   * and below; above, none would come).
   */
  readonly awaitImport: boolean;
  /** Whether the handler's import markers reach the error log (--log-level error and below). */
  readonly importMarkers: boolean;
}

export type FeatureName = keyof Features;
