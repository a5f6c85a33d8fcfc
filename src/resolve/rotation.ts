/**
 * --rotate-logs (an option of the logs feature): the core's log targets become pipes to
 * rotatelogs, and the services feature's own logs too, so the decision is made here, below both.
 */
import { dirname } from 'node:path';

import type { Context, Discovery, Rotation } from '../config.js';
import { badValue, EnvironmentError, UsageError } from '../errors.js';
import type { Options } from '../options/schema.js';
import { findProgram } from './programs.js';

/** --rotate-logs: the rotatelogs program and size, or undefined when logs are not rotated. */
export function rotationOf(
  opts: Options,
  ctx: Context,
  discovery: Pick<Discovery, 'httpd'>,
): Rotation | undefined {
  if (!opts.rotateLogs || opts.logToTerminal) {
    return undefined;
  }
  if (opts.rotatelogsExecutable) {
    const executable = findProgram(opts.rotatelogsExecutable, ctx);
    if (!executable) {
      throw badValue('rotatelogs-executable', opts.rotatelogsExecutable, 'an existing executable file');
    }
    return { executable, maxSize: opts.maxLogSize };
  }
  const executable = findProgram('rotatelogs', ctx, [dirname(discovery.httpd), '/usr/sbin', '/usr/bin']);
  if (!executable) {
    throw new EnvironmentError(
      '--rotate-logs needs rotatelogs, which was not found on PATH, beside httpd, in /usr/sbin or /usr/bin ' +
        '(Debian and Ubuntu: apt-get install apache2-utils; it is part of httpd elsewhere); or give --rotatelogs-executable.',
    );
  }
  return { executable, maxSize: opts.maxLogSize };
}

/**
 * One argument of a piped log command. Apache 2.4 runs "|command" without a shell, splitting it
 * with apr_tokenize_to_argv: double quotes group, and a backslash escapes the next character.
 */
function pipeArgument(value: string): string {
  if (value.includes('\\')) {
    // apr_tokenize_to_argv mistakes a backslash before a quote for an escaped quote.
    throw new UsageError(
      `--rotate-logs: ${JSON.stringify(value)} has a backslash, which Apache cannot pass to rotatelogs; ` +
        'choose a --log-directory (or --server-root) without one.',
    );
  }
  return /^[^\s"']+$/.test(value) ? value : `"${value.replace(/"/g, '\\"')}"`;
}

/**
 * The ErrorLog/CustomLog target for a rotated log: rotatelogs writes FILE.<UTC time> and keeps FILE
 * hard-linked to the newest, so `tail -F FILE` (and the launcher's start-up checks) still work.
 */
export function rotatedLog(rotation: Rotation, file: string): string {
  // rotatelogs passes the name through strftime: a literal % must be doubled.
  const pattern = `${file.replace(/%/g, '%%')}.%Y-%m-%d-%H_%M_%S`;
  const args = [rotation.executable, '-f', '-L', file, pattern, `${rotation.maxSize}M`];
  return `|${args.map(pipeArgument).join(' ')}`;
}
