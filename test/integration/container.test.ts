/**
 * The Docker example (examples/docker) built and run in a real container engine, podman (issue 15,
 * item 1): what someone shipping it checks against the running container. Skipped, with one line
 * saying why, where podman cannot run.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { afterEach, beforeAll, expect, it, jest } from '@jest/globals';

import {
  appDir,
  buildExampleImage,
  exitOf,
  processes,
  runExample,
  waitForAnswer,
} from '../helpers/example-image.js';
import { appContainer, podmanRunLikeKubernetes } from '../helpers/manifests.js';
import { describeWithPodman, podman, podmanOk, removeContainers, scratchDir } from '../helpers/podman.js';
import { waitFor } from '../helpers/server.js';

jest.setTimeout(120_000);
afterEach(removeContainers);

/** The exit status examples/docker/README.md documents for `docker stop`. */
const STOP_STATUS = 0;
/** ... for an application that cannot be imported, and for a stop while it is being imported. */
const BROKEN_APP_STATUS = 1;
const STOPPED_IN_CHECK_STATUS = 143;

describeWithPodman('the example image in podman', () => {
  beforeAll(async () => {
    const started = Date.now();
    await buildExampleImage();
    process.stderr.write(
      `express-wsgi: the example image and its base images took ${Math.round((Date.now() - started) / 1000)} s\n`,
    );
  }, 30 * 60_000);

  it('serves on the published port, httpd as PID 1, every process as uid 10001', async () => {
    const container = await runExample('serve');
    await waitForAnswer(container);
    const response = await fetch(container.url);
    expect(await response.text()).toMatch(/^Hello from express-wsgi on /);

    const rows = await processes(container.name);
    // PID 1 of the container's own PID namespace, as the container sees it.
    const pid1 = await podmanOk(['exec', container.name, 'cat', '/proc/1/cmdline']);
    expect(pid1.split('\0')[0]?.trim()).toMatch(/(^|\/)(apache2|httpd)$/);
    expect(rows.length).toBeGreaterThan(1);
    for (const row of rows) {
      expect({ args: row.args, uids: row.uids }).toEqual({ args: row.args, uids: '10001 10001 10001 10001' });
    }
    // Apache's workers and mod_wsgi's daemon processes are all there, none of them root.
    expect(rows.some((r) => r.args.startsWith('(wsgi:'))).toBe(true);
  });

  it('serves as the Kubernetes Deployment runs it: read-only root, emptyDirs at /srv and /tmp, its args and probe', async () => {
    const run = podmanRunLikeKubernetes(() => scratchDir('empty-dir'));
    expect(run).toContain('--read-only');
    expect(run.filter((arg) => arg.startsWith('/')).map((arg) => arg.replace(/^.*:/, ''))).toEqual([
      '/srv',
      '/tmp',
    ]);
    const container = await runExample('kubernetes', { run, args: appContainer().args ?? [] });
    await waitForAnswer(container);
    const probe = appContainer().readinessProbe?.httpGet?.path ?? '';
    expect((await fetch(new URL(probe, container.url))).status).toBe(200);
    // The server root was made afresh in the empty, world-writable directory, and is not itself world-writable.
    const modes = await podmanOk([
      'exec',
      container.name,
      'stat',
      '-c',
      '%n %a %u',
      '/srv',
      '/srv/express-wsgi',
    ]);
    expect(modes.split('\n')).toEqual(['/srv 777 0', '/srv/express-wsgi 755 10001']);
    const write = await podman(['exec', container.name, 'sh', '-c', 'echo > /app/x']);
    expect(write.stderr).toMatch(/Read-only file system/);
  });

  it('logs requests to stdout and Apache and mod_wsgi to stderr', async () => {
    const container = await runExample('logs');
    await waitForAnswer(container);
    await fetch(`${container.url}logged-request`);
    const logs = await waitFor(
      async () => {
        const result = await podman(['logs', container.name]);
        return result.stdout.includes('/logged-request') ? result : undefined;
      },
      10_000,
      'the access log line',
    );
    expect(logs.stdout).toMatch(/"GET \/logged-request HTTP\/1\.1" 200 /);
    expect(logs.stderr).toMatch(/\[[a-z_]+:notice\] .*resuming normal operations/);
  });

  it('stops on podman stop within the grace period, with the documented status', async () => {
    const container = await runExample('stop');
    await waitForAnswer(container);
    // Past the grace period podman sends SIGKILL: the status would then be 137, not 0.
    await podmanOk(['stop', '--time', '20', container.name], { timeoutMs: 60_000 });
    expect(await exitOf(container.name)).toEqual({ status: STOP_STATUS, running: false });
    const top = await podman(['top', container.name]);
    expect(top.code).not.toBe(0);
  });

  it('takes an app and options in place of CMD: other.wsgi --processes 3', async () => {
    const app = appDir({ 'other.wsgi': 'environ.wsgi' });
    const container = await runExample('cmd', {
      run: ['--volume', `${app}:/app:ro`],
      args: ['other.wsgi', '--processes', '3'],
    });
    await waitForAnswer(container);
    // environ.wsgi answers with its WSGI environ, app.wsgi with a greeting.
    const environ = (await (await fetch(`${container.url}other`)).json()) as Record<string, string>;
    expect(environ.PATH_INFO).toBe('/other');
    const daemons = (await processes(container.name)).filter((r) => r.args.startsWith('(wsgi:'));
    expect(daemons).toHaveLength(3);
  });

  it('a broken app: the container exits with status 1 before serving, the Python error in podman logs', async () => {
    const app = appDir({ 'broken.wsgi': 'import-error.wsgi' });
    const container = await runExample('broken', {
      run: ['--volume', `${app}:/app:ro`],
      args: ['broken.wsgi'],
    });
    expect(await exitOf(container.name)).toEqual({ status: BROKEN_APP_STATUS, running: false });
    const logs = await podman(['logs', container.name]);
    expect(logs.stderr).toContain('File "/app/broken.wsgi", line 2');
    expect(logs.stderr).toContain("ModuleNotFoundError: No module named 'express_wsgi_no_such_module'");
    // The entry point stopped before Apache: it never started.
    expect(logs.stderr).not.toMatch(/resuming normal operations/);
  });

  /**
   * Once the logs show `line` (the entry point is in a step that takes long), podman stop: the
   * container must end at once with the shell's status for SIGTERM. Past the grace period podman
   * sends SIGKILL: the status would then be 137.
   */
  async function expectStoppedAtOnce(name: string, line: string, step: string) {
    await waitFor(async () => (await podman(['logs', name])).stderr.includes(line), 60_000, step, 200);
    await podmanOk(['stop', '--time', '20', name], { timeoutMs: 60_000 });
    expect(await exitOf(name)).toEqual({ status: STOPPED_IN_CHECK_STATUS, running: false });
  }

  it('an import that hangs: podman stop ends the check at once, with the documented status', async () => {
    const app = appDir({ 'hang.wsgi': 'import-hang.wsgi' });
    const container = await runExample('hang', { run: ['--volume', `${app}:/app:ro`], args: ['hang.wsgi'] });
    await expectStoppedAtOnce(
      container.name,
      'importing /app/hang.wsgi',
      'the check to import the application',
    );
  });

  it('a stop while setup-server runs ends the container at once, with the documented status', async () => {
    // setup-server made slow by a stand-in for the express-wsgi command: while it runs, the entry
    // point's shell is PID 1, which ignores a SIGTERM it does not trap.
    const app = appDir({});
    writeFileSync(
      join(app, 'slow-express-wsgi'),
      '#!/bin/sh\necho "slow setup-server" >&2\nsleep 60\nexec express-wsgi "$@"\n',
      { mode: 0o755 },
    );
    const container = await runExample('slow-setup', {
      run: ['--volume', `${app}:/extra:ro`, '--env', 'EXPRESS_WSGI=/extra/slow-express-wsgi'],
    });
    await expectStoppedAtOnce(container.name, 'slow setup-server', 'the entry point to run setup-server');
  });

  it('a broken app with EXPRESS_WSGI_CHECK_APP=0: Apache serves 500s, the Python error in podman logs', async () => {
    const app = appDir({ 'broken.wsgi': 'import-error.wsgi' });
    const container = await runExample('broken-unchecked', {
      run: ['--volume', `${app}:/app:ro`, '--env', 'EXPRESS_WSGI_CHECK_APP=0'],
      args: ['broken.wsgi'],
    });
    await waitFor(
      () => fetch(container.url).then((r) => r.status === 500),
      60_000,
      'the broken app to answer 500',
      200,
    );
    const logs = await waitFor(
      async () => {
        const result = await podman(['logs', container.name]);
        return /ModuleNotFoundError/.test(result.stderr) ? result : undefined;
      },
      10_000,
      'the traceback in the logs',
    );
    expect(logs.stderr).toContain("ModuleNotFoundError: No module named 'express_wsgi_no_such_module'");
    expect(logs.stderr).not.toContain('check-app:');
  });
});
