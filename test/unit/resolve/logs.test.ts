/** Where Apache's logs go (src/resolve/logs.ts). */
import { join } from 'node:path';

import { describe, expect, it } from '@jest/globals';

import { dir, failure, run } from '../helpers/resolve-setup.js';

describe('logs', () => {
  it.each([
    [{}, 'error_log', undefined, undefined],
    [
      { 'access-log': true },
      'error_log',
      { file: 'access_log', format: 'common', custom: undefined },
      undefined,
    ],
    [
      { 'access-log': true, 'access-log-format': 'combined' },
      'error_log',
      { file: 'access_log', format: 'combined', custom: undefined },
      undefined,
    ],
    [
      { 'access-log': true, 'access-log-format': '%h "%r" %>s' },
      'error_log',
      { file: 'access_log', format: 'custom', custom: '%h "%r" %>s' },
      undefined,
    ],
    [{ 'startup-log': true }, 'error_log', undefined, 'startup_log'],
  ])('in the server root: %j', (raw, errorLog, accessLog, startupLog) => {
    const config = run({ 'server-root': 'root', ...raw });
    const root = join(dir, 'root');
    expect(config.log.errorLog).toBe(join(root, errorLog));
    expect(config.log.accessLog).toEqual(accessLog && { ...accessLog, file: join(root, accessLog.file) });
    expect(config.log.startupLog).toBe(startupLog && join(root, startupLog));
    expect(config.log.toTerminal).toBe(false);
  });

  it('--log-to-terminal: errors and startup to stderr, access to stdout', () => {
    const config = run({ 'log-to-terminal': true, 'access-log': true, 'startup-log': true });
    expect(config.log).toMatchObject({
      toTerminal: true,
      errorLog: '/dev/stderr',
      accessLog: { file: '/dev/stdout', format: 'common' },
      startupLog: '/dev/stderr',
    });
  });

  it('--log-directory holds every log file', () => {
    const config = run({ 'log-directory': 'logs', 'access-log': true, 'startup-log': true });
    expect(config.paths.logDirectory).toBe(join(dir, 'logs'));
    expect(config.log).toMatchObject({
      errorLog: join(dir, 'logs', 'error_log'),
      accessLog: { file: join(dir, 'logs', 'access_log') },
      startupLog: join(dir, 'logs', 'startup_log'),
    });
  });

  it.each([
    [{ 'log-directory': 'nope' }, '--log-directory: "nope" is not valid; expected an existing directory.'],
    [
      { 'log-directory': 'logs', 'log-to-terminal': true },
      '--log-to-terminal and --log-directory both say where logs go; give one of them.',
    ],
  ])('refuses %j', (raw, message) => {
    expect(failure(raw)).toBe(message);
  });

  it('keeps the level and error log format', () => {
    const config = run({ 'log-level': 'info rewrite:trace3', 'error-log-format': '[%t] %M' });
    expect(config.log.level).toBe('info rewrite:trace3');
    expect(config.log.errorLogFormat).toBe('[%t] %M');
  });
});
