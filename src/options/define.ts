/**
 * The building blocks of the option schema: one declaration per option, from which the CLI
 * parser, the typed `Options` object, validation, `--help` and docs/options.md all derive.
 */

export type Kind = 'string' | 'int' | 'float' | 'flag' | 'list' | 'pairs';

export const GROUPS = [
  'Application',
  'Server',
  'Processes and capacity',
  'Python',
  'Static files and URLs',
  'Proxies and access control',
  'Logging',
  'Timeouts and limits',
  'Environment',
  'Services and debugging',
  'Installation',
] as const;
export type Group = (typeof GROUPS)[number];

export interface Spec<N extends string = string, K extends Kind = Kind> {
  /** Long option name without the leading dashes, as mod_wsgi-express spells it. */
  readonly name: N;
  readonly kind: K;
  readonly group: Group;
  readonly help: string;
  /** Placeholder shown in help, e.g. PORT or URL-PATH PATH. */
  readonly metavar?: string;
  readonly default?: string | number | boolean;
  /** Shown in help when the default is computed at run time. */
  readonly defaultText?: string;
  readonly aliases?: readonly string[];
  readonly choices?: readonly string[];
  /**
   * Inclusive numeric range for int and float options: what the directive the value ends up in
   * accepts (see LIMITS), checked up front so Apache never sees a number it refuses or misreads.
   */
  readonly min?: number;
  readonly max?: number;
  /** What a valid value is, in place of the generated "a number from MIN to MAX" (mod_wsgi-express's words). */
  readonly valid?: string;
  /** The mod_wsgi version the option needs, e.g. '6.0.0': asking for it with an older module is refused. */
  readonly minModWsgi?: string;
  /** Left out of --help (still documented in docs/options.md), as mod_wsgi-express hides it. */
  readonly hidden?: boolean;
  /** Accepted only to refuse it with this reason (Windows-only or removed upstream). */
  readonly refused?: string;
  /** Extra check on a parsed scalar (or each list item); returns what is valid, or undefined when fine. */
  readonly check?: (value: string) => string | undefined;
}

/** Turns `log-to-terminal` into `logToTerminal` at the type level and at run time. */
export type Camel<S extends string> = S extends `${infer H}-${infer T}` ? `${H}${Capitalize<Camel<T>>}` : S;

export function camel<S extends string>(name: S): Camel<S> {
  return name.replace(/-([a-z0-9])/g, (_, c: string) => c.toUpperCase()) as Camel<S>;
}

type ValueOf<S> = S extends { kind: 'flag' }
  ? boolean
  : S extends { kind: 'list' }
    ? string[]
    : S extends { kind: 'pairs' }
      ? [string, string][]
      : S extends { kind: 'int' | 'float' }
        ? S extends { default: number }
          ? number
          : number | undefined
        : S extends { default: string }
          ? string
          : string | undefined;

export type OptionsOf<T extends readonly Spec[]> = {
  readonly [S in T[number] as Camel<S['name']>]: ValueOf<S>;
};

/**
 * The largest values the generated directives take. Apache and mod_wsgi read most numbers with
 * atoi() into a C int, and Apache turns seconds into an apr_interval_time_t (microseconds in 64
 * bits), so INT_MAX seconds fits both.
 */
export const LIMITS = {
  INT_MAX: 2147483647,
  /**
   * Node timers take at most 2^31-1 ms; a longer one fires at once. Seconds kept in Node (the
   * ready timeout) stay below it.
   */
  NODE_TIMER_SECONDS: 2147483,
  /** Decimal places a float option may have: microseconds, the finest any consumer resolves. */
  DECIMALS: 6,
} as const;

/**
 * Apache's compile-time ceilings (MAX_SERVER_LIMIT, MAX_THREAD_LIMIT in server/mpm/*): beyond them it
 * lowers ServerLimit/ThreadLimit with a warning and serves less than asked. mod_wsgi refuses 65534
 * threads or more per daemon process (its worker stack is indexed by 16 bits, WSGI_STACK_LAST).
 */
export const APACHE_LIMITS = {
  serverLimit: { event: 20000, worker: 20000, prefork: 200000 },
  // MAX_THREAD_LIMIT in Apache's worker.c and event.c (prefork has no threads).
  threadLimit: { event: 100000, worker: 20000, prefork: 1 },
  daemonThreads: 65533,
} as const;

// Small constructors keep each declaration on a line or two and fix the literal types.
type Extra = Omit<Spec, 'name' | 'kind' | 'group' | 'help'>;
const make =
  <K extends Kind>(kind: K) =>
  <N extends string, E extends Extra>(name: N, group: Group, help: string, extra?: E) =>
    ({ name, kind, group, help, ...(extra ?? ({} as E)) }) as const;

export const str = make('string');
export const int = make('int');
export const float = make('float');
export const flag = make('flag');
export const list = make('list');
export const pairs = make('pairs');
