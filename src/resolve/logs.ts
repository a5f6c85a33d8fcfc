/**
 * Where Apache's logs go: files in the log directory, the terminal, or pipes to rotatelogs. The
 * file names and rotation are options of the logs feature, which checks them further.
 */
import { join } from 'node:path';

import type { Context, CoreConfig, Discovery } from '../config.js';
import type { Options } from '../options/schema.js';
import { rotatedLog, rotationOf } from './rotation.js';

export function logOf(
  opts: Options,
  logDirectory: string,
  ctx: Context,
  discovery: Discovery,
): CoreConfig['log'] {
  const logFile = (name: string, terminal: string) =>
    opts.logToTerminal ? terminal : join(logDirectory, name);
  const standardFormat = opts.accessLogFormat === 'common' || opts.accessLogFormat === 'combined';
  const rotation = rotationOf(opts, ctx, discovery);
  const logTarget = (file: string) => (rotation ? rotatedLog(rotation, file) : file);
  const errorLog = logFile(opts.errorLogName, '/dev/stderr');
  const accessLog = logFile(opts.accessLogName, '/dev/stdout');
  return {
    level: opts.logLevel,
    toTerminal: opts.logToTerminal,
    errorLog,
    errorLogTarget: logTarget(errorLog),
    rotation,
    errorLogFormat: opts.errorLogFormat,
    accessLog: opts.accessLog
      ? {
          file: accessLog,
          format: standardFormat ? opts.accessLogFormat : 'custom',
          custom: standardFormat ? undefined : opts.accessLogFormat,
        }
      : undefined,
    accessLogTarget: opts.accessLog ? logTarget(accessLog) : undefined,
    startupLog: opts.startupLog ? logFile(opts.startupLogName, '/dev/stderr') : undefined,
  };
}
