/**
 * Options that mod_wsgi-express had and then dropped, in one table: each is accepted by the parser
 * only to be refused with the release that dropped it and what to do instead, so that an old
 * command line gets an answer rather than "unknown option". Names from the mod_wsgi release notes.
 */
import { flag, type Group, str } from './define.js';

interface Removed {
  readonly release: string;
  readonly instead: string;
  readonly group: Group;
}

const NEW_RELIC: Removed = {
  release: '6.0.0',
  instead: 'configure the New Relic agent in your application',
  group: 'Services and debugging',
};

/** Removed options that were flags. */
const FLAGS = {
  'with-newrelic': NEW_RELIC,
  'with-newrelic-agent': NEW_RELIC,
  'with-newrelic-platform': NEW_RELIC,
  isatty: {
    release: '4.8.0',
    instead:
      'its behaviour is how express-wsgi always works: Apache runs as a child, and a terminal resize (SIGWINCH) never reaches it',
    group: 'Server',
  },
} as const satisfies Record<string, Removed>;

/** Removed options that took a value. */
const VALUES = {
  'newrelic-config-file': NEW_RELIC,
  'newrelic-environment': NEW_RELIC,
  'proxy-buffer-size': {
    release: '4.4.7',
    instead: 'use --response-buffer-size',
    group: 'Processes and capacity',
  },
  'profiler-output-file': {
    release: '4.4.1',
    instead: 'use --profiler-directory',
    group: 'Services and debugging',
  },
} as const satisfies Record<string, Removed>;

const reason = (r: Removed) => `it was removed from mod_wsgi-express in ${r.release}; ${r.instead}`;
const help = (r: Removed) => `Removed from mod_wsgi-express in ${r.release}.`;

export const REMOVED_OPTIONS = [
  ...(Object.keys(FLAGS) as (keyof typeof FLAGS)[]).map((name) =>
    flag(name, FLAGS[name].group, help(FLAGS[name]), { hidden: true, refused: reason(FLAGS[name]) }),
  ),
  ...(Object.keys(VALUES) as (keyof typeof VALUES)[]).map((name) =>
    str(name, VALUES[name].group, help(VALUES[name]), {
      metavar: 'VALUE',
      hidden: true,
      refused: reason(VALUES[name]),
    }),
  ),
] as const;
