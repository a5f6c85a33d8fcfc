/** The Apache modules loaded (src/resolve/modules.ts). */

import { describe, expect, it } from '@jest/globals';

import type { ServerConfig } from '../../../src/config.js';
import { EnvironmentError } from '../../../src/errors.js';
import { summaryLines } from '../../../src/render/summary.js';
import { ALL_MODULES, MODULES_DIR } from '../helpers/fakes.js';
import { failure, run } from '../helpers/resolve-setup.js';

describe('modules', () => {
  const ids = (config: ServerConfig) => config.modules.map((m) => m.id);

  it('loads the MPM first and mod_wsgi last, from the discovered paths', () => {
    const config = run();
    expect(config.modules[0]).toEqual({ id: 'mpm_event_module', path: `${MODULES_DIR}/mod_mpm_event.so` });
    expect(config.modules.at(-1)).toEqual({ id: 'wsgi_module', path: `${MODULES_DIR}/mod_wsgi.so` });
    expect(ids(config)).toEqual(
      expect.arrayContaining([
        'authz_core_module',
        'mime_module',
        'dir_module',
        'alias_module',
        'rewrite_module',
        // SetEnv EXPRESS_WSGI_GENERATION, for the access log and the WSGI environ
        'env_module',
      ]),
    );
    // Built into Debian's httpd: not in the modules directory, so not loaded.
    expect(ids(config)).not.toContain('unixd_module');
    expect(ids(config)).not.toContain('log_config_module');
    expect(ids(config)).not.toContain('deflate_module');
  });

  it('loads a built-in module when the modules directory has it', () => {
    expect(ids(run({}, {}, { modules: [...ALL_MODULES, 'mod_unixd.so'] }))).toContain('unixd_module');
  });

  it.each([
    [{ 'compress-responses': true }, ['filter_module', 'deflate_module']],
    [{ 'directory-listing': true }, ['autoindex_module']],
    [{ setenv: ['A', 'b'] }, ['env_module']],
    [{ passenv: 'HOME' }, ['env_module']],
    [{ 'server-mpm': 'prefork' }, ['mpm_prefork_module']],
  ])('%j loads %j', (raw, wanted) => {
    expect(ids(run(raw))).toEqual(expect.arrayContaining(wanted));
  });

  it('a missing module is an environment problem that names it', () => {
    const modules = ALL_MODULES.filter((m) => m !== 'mod_deflate.so');
    const message = failure({ 'compress-responses': true }, {}, { modules }, EnvironmentError);
    expect(message).toBe(
      `Apache module mod_deflate is missing from ${MODULES_DIR}; it is part of a full Apache 2.4 install.`,
    );
  });

  it.each(['1', '2'])(
    'embedded mode on the event MPM refuses --threads %s (fewer than it handles)',
    (threads) => {
      const raw = { app: 'app.wsgi', 'embedded-mode': true, 'server-mpm': 'event', threads };
      expect(failure(raw)).toBe(
        `--threads: ${threads} is not valid; expected 3 or more with the event MPM in embedded mode (it does not handle fewer threads per process properly), or --server-mpm worker or prefork.`,
      );
    },
  );

  it('the event MPM takes 3 threads in embedded mode, and any count in daemon mode', () => {
    expect(run({ app: 'app.wsgi', 'embedded-mode': true, 'server-mpm': 'event', threads: '3' }).mpm.mpm).toBe(
      'event',
    );
    expect(run({ app: 'app.wsgi', 'server-mpm': 'event', threads: '1' }).mpm.mpm).toBe('event');
  });

  it("embedded mode keeps to each MPM's own ThreadLimit (worker 20000, event 100000)", () => {
    const raw = { app: 'app.wsgi', 'embedded-mode': true, processes: '1' };
    expect(failure({ ...raw, 'server-mpm': 'worker', threads: '20001' })).toBe(
      "--processes 1 with --threads 20001 needs ServerLimit 2 and ThreadLimit 20001, more than Apache's worker MPM allows (ServerLimit 20000, ThreadLimit 20000); give fewer processes, threads or clients.",
    );
    expect(run({ ...raw, 'server-mpm': 'worker', threads: '20000' }).mpm.mpm).toBe('worker');
    expect(run({ ...raw, 'server-mpm': 'event', threads: '20001' }).mpm.mpm).toBe('event');
  });

  it("says when --max-clients is raised to the daemons' capacity, or has no effect in embedded mode", () => {
    expect(run({ app: 'app.wsgi', 'max-clients': '1', processes: '5', threads: '5' }).warnings).toContain(
      '--max-clients 1: raised to 25, the requests the daemon processes take at once (--processes × --threads).',
    );
    const embedded = run({
      app: 'app.wsgi',
      'embedded-mode': true,
      'max-clients': '500',
      processes: '2',
      threads: '4',
    });
    expect(embedded.warnings).toContain(
      "--max-clients: no effect in embedded mode, where Apache's capacity is --processes × --threads (8).",
    );
    expect(run({ app: 'app.wsgi', 'max-clients': '400' }).warnings.join('\n')).not.toContain('--max-clients');
  });

  it('no usable MPM is refused, naming --server-mpm', () => {
    const modules = ALL_MODULES.filter((m) => !m.startsWith('mod_mpm_'));
    expect(failure({}, {}, { modules })).toContain('--server-mpm');
    expect(failure({ 'server-mpm': 'worker' }, {}, { modules: ['mod_mpm_event.so'] })).toContain(
      'none of worker is',
    );
  });

  it.each([
    [['WSGISocketRotation'], true],
    [[], false],
  ])('socket rotation directive %j known: %p', (directives, expected) => {
    expect(run({}, {}, { directives }).socketRotation).toBe(expected);
  });
});

describe('the mod_wsgi module: which one, and why (the summary says)', () => {
  const line = (config: ServerConfig) => new Map(summaryLines(config, false)).get('mod_wsgi Module');
  const PIP =
    '/srv/venv/lib/python3.11/site-packages/mod_wsgi/server/mod_wsgi-py311.cpython-311-x86_64-linux-gnu.so';

  it.each([
    [{ kind: 'option' }, {}, 'given with --mod-wsgi-module'],
    [{ kind: 'environment' }, {}, 'given with $MOD_WSGI_MODULE'],
    [{ kind: 'python-home' }, { 'python-home': 'venv311' }, 'pip-installed in --python-home'],
    [
      { kind: 'mod_wsgi-express', program: '/srv/venv/bin/mod_wsgi-express' },
      {},
      'the module of /srv/venv/bin/mod_wsgi-express, first on PATH',
    ],
    [{ kind: 'modules-directory' }, {}, "in Apache's modules directory; no mod_wsgi-express on PATH"],
    [
      { kind: 'modules-directory' },
      { 'python-home': 'venv311' },
      "in Apache's modules directory; none pip-installed in --python-home, no mod_wsgi-express on PATH",
    ],
  ] as const)('%j with %j: %s', (source, raw, why) => {
    const config = run(raw, {}, { modWsgi: { path: PIP, source } });
    expect(config.modWsgiModule).toEqual({ path: PIP, pythonVersion: '3.11', why });
    expect(line(config)).toBe(`${PIP} (Python 3.11), ${why}`);
    expect(config.modules.at(-1)).toEqual({ id: 'wsgi_module', path: PIP });
  });

  it('leaves the Python out when the module does not say', () => {
    expect(line(run({}, {}, { pythonVersion: '' }))).toBe(
      `${MODULES_DIR}/mod_wsgi.so, in Apache's modules directory; no mod_wsgi-express on PATH`,
    );
  });
});
