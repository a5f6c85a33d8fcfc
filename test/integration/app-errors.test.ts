/**
 * The mistakes a developer meets first: an ImportError in the application, a syntax error, and a
 * callable name that does not match. The launcher's start-up report names the exception and the
 * line, and the error log has it too once a request (answered 500) has tried the application.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { afterEach, expect, it } from '@jest/globals';

import { makeWorkdir, type Server, startServer, stopAll, waitFor } from '../helpers/server.js';

afterEach(stopAll);

async function report(server: Server): Promise<string> {
  await waitFor(() => server.stderr().includes('the application failed to load'), 15_000, 'the load report');
  await waitFor(() => server.stderr().includes('(full traceback in'), 5_000, 'the whole report');
  return server.stderr();
}

async function firstRequestLog(server: Server): Promise<string> {
  expect((await fetch(server.url)).status).toBe(500);
  return readFileSync(join(server.root, 'error_log'), 'utf8');
}

it('an ImportError in a Flask module: the exception and the line of the import', async () => {
  const cwd = makeWorkdir();
  const file = join(cwd, 'broken_imports.py');
  writeFileSync(file, 'from flask import Flask\nfrom flask import NoSuchHelper\n\napp = Flask(__name__)\n', {
    mode: 0o644,
  });
  const server = await startServer(
    ['--application-type', 'module', '--callable-object', 'app', 'broken_imports'],
    { cwd },
  );
  const said = await report(server);
  expect(said).toContain("ImportError: cannot import name 'NoSuchHelper' from 'flask'");
  expect(said).toContain(`at ${file}, line 2`);
  expect(await firstRequestLog(server)).toContain("ImportError: cannot import name 'NoSuchHelper'");
});

it('a syntax error in a script: the message and the line', async () => {
  const cwd = makeWorkdir();
  const file = join(cwd, 'syntax.wsgi');
  writeFileSync(
    file,
    "import os\n\ndef application(environ, start_response)\n    start_response('200 OK', [])\n    return [b'']\n",
    { mode: 0o644 },
  );
  const server = await startServer(['syntax.wsgi'], { cwd });
  const said = await report(server);
  expect(said).toContain("SyntaxError: expected ':'");
  expect(said).toContain(`at ${file}, line 3`);
  expect(await firstRequestLog(server)).toContain("SyntaxError: expected ':'");
});

it('a Flask app without --callable-object app: the name looked for and the callables found', async () => {
  const cwd = makeWorkdir();
  // fixtures/flask/myapp.py names its WSGI object `app`; the default callable is `application`.
  const server = await startServer(['--application-type', 'module', 'myapp'], { cwd: join(cwd, 'flask') });
  const said = await report(server);
  expect(said).toContain(
    "AttributeError: express-wsgi: myapp defines no 'application' (set --callable-object; callables found: ",
  );
  expect(said).toMatch(/callables found: [^)]*\bapp\b/);
  expect(await firstRequestLog(server)).toContain("defines no 'application'");
});
