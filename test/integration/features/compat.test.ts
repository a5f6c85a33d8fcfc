/**
 * An include file written for mod_wsgi-express works unchanged (issue 12): the directives of the
 * modules mod_wsgi-express always loads (SetEnv, Header, Order/Allow, AuthType), a module loaded
 * through ${MOD_WSGI_MODULES_DIRECTORY}, <IfDefine> on a feature's define, and the MOD_WSGI_*
 * variables in the application's environment. Real Apache, real requests.
 */
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';

import { runConfigtest } from '../../helpers/configtest.js';
import { FIXTURES, get, makeWorkdir, type Server, startServer, stopAll } from '../../helpers/server.js';

jest.setTimeout(60_000);

const USER = 'ada';
const PASSWORD = 'lovelace-1843';

// Each line is something a mod_wsgi-express user's snippet does; none loads a module itself except
// the basic-auth block, which does it the portable way.
const SNIPPET = (passwords: string) => `
SetEnv COMPAT_GREETING "hello from SetEnv"
Header set X-Compat-Header "from mod_headers"
RequestHeader set X-Compat-Request "from RequestHeader"
FilterDeclare compat-filter

<Location /old-style-denied>
  Order allow,deny
  Deny from all
</Location>

<IfModule !auth_basic_module>
  LoadModule auth_basic_module \${MOD_WSGI_MODULES_DIRECTORY}/mod_auth_basic.so
</IfModule>
<IfModule !authn_file_module>
  LoadModule authn_file_module \${MOD_WSGI_MODULES_DIRECTORY}/mod_authn_file.so
</IfModule>
<IfModule !authz_user_module>
  LoadModule authz_user_module \${MOD_WSGI_MODULES_DIRECTORY}/mod_authz_user.so
</IfModule>
<Location /private>
  AuthType Basic
  AuthName "compat"
  AuthUserFile "${passwords}"
  Require valid-user
</Location>

<IfDefine MOD_WSGI_WITH_LISTENER_HOST>
  Header set X-Listener-Host "\${MOD_WSGI_LISTENER_HOST}"
</IfDefine>
<IfDefine MOD_WSGI_ACCESS_LOG>
  Header set X-Access-Log "defined although no access log was asked for"
</IfDefine>
<IfDefine MOD_WSGI_MPM_ENABLE_WORKER_MODULE>
  Header set X-Mpm "worker"
</IfDefine>
<IfDefine MOD_WSGI_MPM_ENABLE_EVENT_MODULE>
  Header set X-Mpm "event"
</IfDefine>
<IfDefine MOD_WSGI_MPM_ENABLE_PREFORK_MODULE>
  Header set X-Mpm "prefork"
</IfDefine>
`;

const basic = (user: string, password: string) =>
  `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

describe.each([['daemon mode', []] as const, ['embedded mode', ['--embedded-mode']] as const])(
  'an include file written for mod_wsgi-express, %s',
  (_mode, extra) => {
    let server: Server;

    beforeAll(async () => {
      const cwd = makeWorkdir();
      const passwords = join(cwd, 'htpasswd');
      // Apache's {SHA} form: base64 of the SHA-1 of the password.
      const sha = createHash('sha1').update(PASSWORD).digest('base64');
      writeFileSync(passwords, `${USER}:{SHA}${sha}\n`, { mode: 0o644 });
      // An envvars script written for mod_wsgi-express reads the variables its apachectl exports.
      const envvars = join(cwd, 'compat-envvars');
      writeFileSync(
        envvars,
        'export COMPAT_FROM_ENVVARS="port $MOD_WSGI_HTTP_PORT in $MOD_WSGI_SERVER_ROOT"\n',
        {
          mode: 0o644,
        },
      );
      const include = join(cwd, 'compat.conf');
      writeFileSync(include, SNIPPET(passwords), { mode: 0o644 });
      server = await startServer(
        [
          join(FIXTURES, 'features', 'compat', 'app.wsgi'),
          '--include-file',
          include,
          '--envvars-script',
          envvars,
          '--passenv',
          'COMPAT_FROM_ENVVARS',
          '--server-mpm',
          'worker',
          ...extra,
        ],
        { cwd },
      );
    });
    afterAll(stopAll);

    it('passes configtest', async () => {
      const ran = await runConfigtest(server.root, server.cwd);
      expect(ran.stderr + ran.stdout).toContain('Syntax OK');
    });

    it('gives SetEnv and RequestHeader to the application, and Header to the client', async () => {
      const reply = await get(`${server.url}/`);
      expect(reply.status).toBe(200);
      const seen = JSON.parse(reply.body.toString()) as { environ: Record<string, string> };
      expect(seen.environ.COMPAT_GREETING).toBe('hello from SetEnv');
      expect(seen.environ.HTTP_X_COMPAT_REQUEST).toBe('from RequestHeader');
      expect(reply.headers['x-compat-header']).toBe('from mod_headers');
    });

    it('obeys Order/Deny from mod_access_compat', async () => {
      expect((await get(`${server.url}/old-style-denied`)).status).toBe(403);
      expect((await get(`${server.url}/allowed`)).status).toBe(200);
    });

    it('asks for credentials with a module loaded through ${MOD_WSGI_MODULES_DIRECTORY}', async () => {
      const without = await get(`${server.url}/private`);
      expect(without.status).toBe(401);
      expect(without.headers['www-authenticate']).toBe('Basic realm="compat"');
      expect((await get(`${server.url}/private`, { Authorization: basic(USER, 'wrong') })).status).toBe(401);
      expect((await get(`${server.url}/private`, { Authorization: basic(USER, PASSWORD) })).status).toBe(200);
    });

    it('defines the names of the features in use, and only those', async () => {
      const reply = await get(`${server.url}/`);
      expect(reply.headers['x-listener-host']).toBe('127.0.0.1');
      expect(reply.headers['x-mpm']).toBe('worker');
      expect(reply.headers['x-access-log']).toBeUndefined();
    });

    it("puts mod_wsgi-express's variables in the application's environment", async () => {
      const seen = JSON.parse((await get(`${server.url}/`)).body.toString()) as {
        process: Record<string, string>;
      };
      expect(seen.process).toMatchObject({
        MOD_WSGI_SERVER_ROOT: server.root,
        MOD_WSGI_LISTENER_HOST: '127.0.0.1',
        MOD_WSGI_HTTP_PORT: String(server.port),
        MOD_WSGI_WORKING_DIRECTORY: server.cwd,
      });
      expect(seen.process.MOD_WSGI_MODULES_DIRECTORY).toMatch(/^\//);
      expect(seen.process.MOD_WSGI_HTTPS_PORT).toBeUndefined();
    });

    it('exports them to an envvars script, as mod_wsgi-express does', async () => {
      const seen = JSON.parse((await get(`${server.url}/`)).body.toString()) as {
        environ: Record<string, string>;
      };
      expect(seen.environ.COMPAT_FROM_ENVVARS).toBe(`port ${server.port} in ${server.root}`);
    });
  },
);
