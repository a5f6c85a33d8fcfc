/** The shell of the generated apachectl (--shell-executable, an option of the logs feature). */
import { basename } from 'node:path';

import type { Context } from '../config.js';
import { badValue } from '../errors.js';
import type { Options } from '../options/schema.js';
import { findProgram } from './programs.js';

// Shells that run a POSIX sh script as one, by the name they are installed under.
const POSIX_SHELLS = new Set([
  'sh',
  'bash',
  'dash',
  'ash',
  'ksh',
  'ksh93',
  'mksh',
  'lksh',
  'pdksh',
  'yash',
  'posh',
]);
// Linux reads at most 127 bytes of a #! line on older kernels.
const SHEBANG_MAX = 120;

/** The apachectl shebang: --shell-executable (a path, or a name on PATH) checked to be a POSIX shell. */
export function shellOf(opts: Options, ctx: Context): string {
  const given = opts.shellExecutable;
  if (given === undefined) {
    return '/bin/sh';
  }
  const path = findProgram(given, ctx);
  if (!path) {
    throw badValue(
      'shell-executable',
      given,
      'an existing executable POSIX shell such as /bin/sh or /bin/bash',
    );
  }
  const real = ctx.host.realPath(path);
  if (!POSIX_SHELLS.has(basename(path)) && !POSIX_SHELLS.has(basename(real))) {
    throw badValue(
      'shell-executable',
      given,
      `a POSIX shell (${[...POSIX_SHELLS].join(', ')}); ${basename(real)} is not one`,
    );
  }
  if (/\s/.test(path) || path.length > SHEBANG_MAX) {
    throw badValue(
      'shell-executable',
      given,
      `a path without spaces of at most ${SHEBANG_MAX} characters, as a #! line needs (link it somewhere shorter)`,
    );
  }
  return path;
}
