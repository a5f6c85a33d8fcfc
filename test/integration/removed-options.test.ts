/**
 * Every option mod_wsgi-express dropped (src/options/removed.ts) is refused through the built CLI
 * with the release that dropped it and what to do instead, exit 2, nothing written (issue 12).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';

import { afterAll, describe, expect, it } from '@jest/globals';

import { REMOVED_OPTIONS } from '../../src/options/removed.js';
import { makeWorkdir, removeWorkdirs, runCli } from '../helpers/server.js';

afterAll(removeWorkdirs);

const rows = REMOVED_OPTIONS.map((spec) => [spec.name, spec.kind === 'flag' ? [] : ['some-value']] as const);

describe('options removed from mod_wsgi-express', () => {
  it('the table is not empty and holds the New Relic options and --isatty', () => {
    expect(rows.map(([name]) => name)).toEqual(
      expect.arrayContaining(['with-newrelic', 'newrelic-config-file', 'isatty', 'profiler-output-file']),
    );
  });

  it.each(rows)('--%s is refused with its release and a replacement', async (name, value) => {
    const cwd = makeWorkdir();
    const root = join(cwd, 'root');
    const result = await runCli(
      ['setup-server', 'hello.wsgi', '--server-root', root, `--${name}`, ...value],
      cwd,
    );
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(
      new RegExp(
        `^express-wsgi: error: --${name} is not supported: it was removed from mod_wsgi-express in \\d+\\.\\d+\\.\\d+; \\S`,
      ),
    );
    expect(result.stderr).not.toContain('unknown option');
    expect(existsSync(root)).toBe(false);
  });
});
