/**
 * Started as root, Apache's children and the application run as an unprivileged account, which
 * must be able to read what express-wsgi generated but never change it.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { afterEach, describe, expect, it } from '@jest/globals';

import { makeWorkdir, runCli, startServer, stopAll } from '../helpers/server.js';

afterEach(stopAll);

const asRoot = process.getuid?.() === 0;
const describeAsRoot = asRoot ? describe : describe.skip;

/** Whether `user` may write to `path`, asked of the kernel as that user (test -w). */
function writableBy(user: string, path: string): boolean {
  try {
    execFileSync('runuser', ['-u', user, '--', 'test', '-w', path]);
    return true;
  } catch {
    return false;
  }
}

describeAsRoot('started as root', () => {
  it('serves the application as www-data, which cannot change the generated files', async () => {
    const server = await startServer(['environ.wsgi']);
    const environ = (await (await fetch(`${server.url}/`)).json()) as Record<string, string>;
    const apachePid = Number(readFileSync(join(server.root, 'httpd.pid'), 'utf8'));
    const children = readFileSync(`/proc/${apachePid}/task/${apachePid}/children`, 'utf8').trim().split(' ');
    const owners = children.map(
      (pid) => /^Uid:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1],
    );
    const wwwData = execFileSync('id', ['-u', 'www-data'], { encoding: 'utf8' }).trim();
    expect(new Set(owners)).toEqual(new Set([wwwData]));
    // The request was served by the daemon process, one of those children.
    expect(environ['mod_wsgi.process_group']).toBe(`127.0.0.1:${server.port}`);
    for (const name of ['', 'httpd.conf', 'apachectl', 'handler.wsgi', 'envvars', 'rewrite.conf', 'htdocs']) {
      expect([name, writableBy('www-data', join(server.root, name))]).toEqual([name, false]);
    }
  });

  it('refuses --user root', async () => {
    const cwd = makeWorkdir();
    const result = await runCli(['setup-server', '--user', 'root', '--server-root', join(cwd, 'root')], cwd);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('--user: "root" is not valid; expected an unprivileged account');
  });
});
