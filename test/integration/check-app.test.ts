/**
 * `apachectl check-app` imports the application once, as its mod_wsgi process will, and fails with
 * the traceback when it cannot: what the Docker example's entry point runs before Apache, so that a
 * container with a broken application exits non-zero instead of answering 500 (issue 15 item 1).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { chmodSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { afterEach, describe, expect, it } from '@jest/globals';

import {
  CLI,
  freePort,
  loopbackArgs,
  makeWorkdir,
  processesOf,
  REPO,
  run,
  runCli,
  stopAll,
  trackRoot,
  waitFor,
} from '../helpers/server.js';

let entrypoint: ChildProcess | undefined;
afterEach(async () => {
  entrypoint?.kill('SIGKILL');
  entrypoint = undefined;
  await stopAll();
});

/** A work directory with the fixtures and `files` (name: content), and a server root in it. */
async function setUp(args: readonly string[], files: Record<string, string> = {}) {
  const cwd = makeWorkdir();
  for (const [name, content] of Object.entries(files)) {
    writeFileSync(join(cwd, name), content, { mode: 0o644 });
  }
  const root = join(cwd, 'root');
  trackRoot(root);
  const port = await freePort();
  const setup = await runCli(['setup-server', ...args, ...loopbackArgs(port, root)], cwd);
  expect(setup).toMatchObject({ code: 0 });
  return { cwd, root, port };
}

const checkApp = (root: string, cwd: string) => run(join(root, 'apachectl'), ['check-app'], { cwd });

describe('apachectl check-app', () => {
  it('a working application: status 0, and nothing is started', async () => {
    const { cwd, root } = await setUp(['hello.wsgi']);
    const result = await checkApp(root, cwd);
    expect(result).toMatchObject({ code: 0 });
    expect(result.stderr).toMatch(/check-app: the application imported in \d+\.\d\d s/);
    expect(processesOf(root)).toEqual([]);
  });

  it.each([
    [
      'a missing module',
      'import-error.wsgi',
      undefined,
      "ModuleNotFoundError: No module named 'express_wsgi_no_such_module'",
    ],
    [
      'a syntax error',
      'syntax.wsgi',
      'def application(environ, start_response)\n    pass\n',
      "SyntaxError: expected ':'",
    ],
    [
      'an exception at import',
      'raises.wsgi',
      "raise RuntimeError('no database at import')\n",
      'RuntimeError: no database at import',
    ],
    ['sys.exit() at import', 'import-sysexit.wsgi', undefined, 'SystemExit: 4'],
    [
      'no callable of that name',
      'nocallable.wsgi',
      'def app(environ, start_response):\n    pass\n',
      "defines no 'application'",
    ],
  ])('%s: status 1, the traceback on stderr', async (_what, app, content, error) => {
    const { cwd, root } = await setUp([app], content === undefined ? {} : { [app]: content });
    const result = await checkApp(root, cwd);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('Traceback (most recent call last):');
    // The application's own file: its frame, or (no callable) the message naming it.
    expect(result.stderr).toContain(join(cwd, app));
    expect(result.stderr).toContain(error);
    expect(result.stderr).toContain('check-app: the application failed to import (traceback above).');
    expect(processesOf(root)).toEqual([]);
  });

  it("an application that reads mod_wsgi's module at import passes, as it would in its process", async () => {
    const app = [
      'import mod_wsgi',
      "assert mod_wsgi.process_group == 'shop', mod_wsgi.process_group",
      'assert mod_wsgi.version >= (4, 0), mod_wsgi.version',
      'mod_wsgi.subscribe_shutdown(lambda *args, **kwargs: None)',
      'def application(environ, start_response):',
      "    start_response('200 OK', [])",
      "    return [b'']",
    ];
    const { cwd, root } = await setUp(['uses-mod-wsgi.wsgi', '--process-group', 'shop'], {
      'uses-mod-wsgi.wsgi': `${app.join('\n')}\n`,
    });
    const result = await checkApp(root, cwd);
    expect(result.stderr).toMatch(/check-app: the application imported in/);
    expect(result.code).toBe(0);
  });

  it('a static site has nothing to import: status 0', async () => {
    const { cwd, root } = await setUp(['--application-type', 'static', 'static']);
    const result = await checkApp(root, cwd);
    expect(result).toMatchObject({ code: 0 });
    expect(result.stdout).toContain('nothing to check');
  });

  it('imports as the daemon process does: its account, groups, HOME, working directory and sys.path', async () => {
    // The application says where it is imported; the check and the daemon must say the same.
    const who = [
      'import os, sys',
      "print('whoami uid=%d gid=%d groups=%s home=%s cwd=%s path=%s' % (os.getuid(), os.getgid(),",
      "      sorted(os.getgroups()), os.environ.get('HOME'), os.getcwd(), sys.path), file=sys.stderr)",
      'def application(environ, start_response):',
      "    start_response('200 OK', [])",
      "    return [b'']",
      '',
    ].join('\n');
    const { cwd, root } = await setUp(['who.wsgi', '--python-path', 'pkgapp'], { 'who.wsgi': who });
    const line = (text: string) => /whoami .*/.exec(text)?.[0];
    const checked = await checkApp(root, cwd);
    expect(checked).toMatchObject({ code: 0 });
    const imported = line(checked.stderr);
    expect(imported).toContain(`cwd=${cwd} `);
    expect(imported).toContain(`path=['${cwd}', '${join(cwd, 'pkgapp')}', `);
    // As root, the application's account (www-data or --user), as Apache's processes; else yours.
    const uid = Number(/uid=(\d+)/.exec(imported ?? '')?.[1]);
    if (process.getuid?.() === 0) {
      expect(uid).not.toBe(0);
    } else {
      expect(uid).toBe(process.getuid?.());
    }

    expect(await run(join(root, 'apachectl'), ['start'], { cwd })).toMatchObject({ code: 0 });
    const daemon = await waitFor(
      () => line(readFileSync(join(root, 'error_log'), 'utf8')),
      20_000,
      'the daemon process to import the application',
    );
    expect(imported).toBe(daemon);
  });
});

// Run by root for another account's application (adversarial pass): nothing of that account may
// run as root, and the application may not reach root's terminal.
(process.getuid?.() === 0 ? describe : describe.skip)('apachectl check-app run by root', () => {
  const account = ['--user', 'nobody', '--group', 'nogroup'];

  it("never runs the environment's own bin/python as root, which its owner could have replaced", async () => {
    const { cwd } = await setUp(['hello.wsgi']);
    const venv = join(cwd, 'venv');
    expect((await run('/usr/bin/python3', ['-m', 'venv', '--without-pip', venv])).code).toBe(0);
    // Where the stand-in may write whoever runs it (not above the server root: apachectl refuses that).
    const marks = join(cwd, 'marks');
    mkdirSync(marks, { mode: 0o1777 });
    chmodSync(marks, 0o1777);
    const marker = join(marks, 'ran-as');
    const python = join(venv, 'bin', 'python');
    rmSync(python);
    // A stand-in interpreter that says who ran it, then is the real one.
    writeFileSync(python, `#!/bin/sh\nid -u >> ${marker}\nexec /usr/bin/python3 "$@"\n`, { mode: 0o755 });
    const root = join(cwd, 'root2');
    trackRoot(root);
    const setup = await runCli(
      [
        'setup-server',
        'hello.wsgi',
        '--python-home',
        venv,
        ...account,
        ...loopbackArgs(await freePort(), root),
      ],
      cwd,
    );
    expect(setup).toMatchObject({ code: 0 });
    const result = await checkApp(root, cwd);
    expect(result).toMatchObject({ code: 0 });
    // Only as the application's account (nobody), after root dropped to it.
    expect(readFileSync(marker, 'utf8').trim().split('\n')).toEqual(['65534']);
  });

  it("leaves root's terminal behind: the application cannot type into it (TIOCSTI)", async () => {
    const app = [
      'import fcntl, os, termios',
      'try:',
      "    fd = os.open('/dev/tty', os.O_RDWR)",
      'except OSError:',
      '    fd = 2',
      'try:',
      "    fcntl.ioctl(fd, termios.TIOCSTI, b'#')",
      "    print('check-app test: TIOCSTI worked', file=sys.stderr)",
      'except OSError as error:',
      "    print('check-app test: TIOCSTI refused', file=sys.stderr)",
      'def application(environ, start_response):',
      "    start_response('200 OK', [])",
      "    return [b'']",
    ];
    const { cwd, root } = await setUp(['tty.wsgi', ...account], {
      'tty.wsgi': `import sys\n${app.join('\n')}\n`,
    });
    // Under a pseudo-terminal, as a person would run it (script(1) from util-linux).
    const result = await run(
      'script',
      ['-q', '-e', '-c', `${join(root, 'apachectl')} check-app`, '/dev/null'],
      { cwd },
    );
    expect(result.stdout + result.stderr).toContain('check-app test: TIOCSTI refused');
    expect(result.code).toBe(0);
  });
});

describe('the Docker entry point (examples/docker/entrypoint.sh) with a broken application', () => {
  const entry = (cwd: string, root: string, port: number, env: NodeJS.ProcessEnv = {}) => ({
    file: 'sh',
    args: [
      join(REPO, 'examples/docker/entrypoint.sh'),
      'import-error.wsgi',
      '--host',
      '127.0.0.1',
      '--port',
      String(port),
    ],
    options: {
      cwd,
      env: { ...process.env, EXPRESS_WSGI: `${process.execPath} ${CLI}`, EXPRESS_WSGI_ROOT: root, ...env },
    },
  });

  it('exits with status 1 and the traceback, before Apache starts', async () => {
    const cwd = makeWorkdir();
    const root = join(cwd, 'root');
    trackRoot(root);
    const port = await freePort();
    const { file, args, options } = entry(cwd, root, port);
    const result = await run(file, args, options);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("ModuleNotFoundError: No module named 'express_wsgi_no_such_module'");
    expect(processesOf(root)).toEqual([]);
  });

  it('EXPRESS_WSGI_CHECK_APP=0 skips the check: Apache starts and answers 500', async () => {
    const cwd = makeWorkdir();
    const root = join(cwd, 'root');
    trackRoot(root);
    const port = await freePort();
    const { file, args, options } = entry(cwd, root, port, { EXPRESS_WSGI_CHECK_APP: '0' });
    const child = spawn(file, args, { ...options, stdio: ['ignore', 'ignore', 'pipe'] });
    entrypoint = child;
    let stderr = '';
    child.stderr?.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const exited = new Promise((resolve) => child.once('exit', resolve));
    await waitFor(
      () =>
        fetch(`http://127.0.0.1:${port}/`).then(
          (r) => r.status === 500,
          () => false,
        ),
      30_000,
      'Apache to answer 500',
      200,
    );
    // The error log is the entry point's stderr: mod_wsgi's traceback, and nothing of the check.
    await waitFor(() => stderr.includes('ModuleNotFoundError'), 10_000, 'the traceback on stderr');
    expect(stderr).not.toContain('check-app:');
    child.kill('SIGTERM');
    await expect(exited).resolves.toBe(0);
  });
});
