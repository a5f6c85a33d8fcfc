/** The Python interpreter set-up, and --lang. */
import {
  chmodSync as realChmodSync,
  statSync as realStatSync,
  writeFileSync as realWriteFileSync,
} from 'node:fs';
import { join } from 'node:path';

import { describe, expect, it } from '@jest/globals';

import { render } from '../../../../src/render/render.js';
import { resolve } from '../../../../src/resolve/index.js';
import { writeServerRoot } from '../../../../src/server-root/write.js';
import {
  fakeContext,
  options,
  removeDir as realRemoveDir,
  tempDir as realTempDir,
} from '../../helpers/fakes.js';
import {
  dir,
  accounts,
  DIRECTIVES,
  discoveryOf,
  run,
  refusal,
  httpdConf,
  daemonOptions,
  summary,
} from './setup.js';

describe('--application-group', () => {
  it('defaults to %{GLOBAL}, with the app imported at start', () => {
    const config = run();
    expect(config.applicationGroup).toBe('%{GLOBAL}');
    expect(config.importAtStart).toBe(true);
    expect(httpdConf(config)).toMatch(
      /WSGIImportScript \S+ process-group="localhost:8000" application-group="%\{GLOBAL\}"/,
    );
  });

  it('names the sub-interpreter on both the handler and the import', () => {
    const config = run({ 'application-group': 'myapp' });
    const conf = httpdConf(config);
    expect(conf).toMatch(
      /WSGIHandlerScript wsgi-handler \S+ process-group="localhost:8000" application-group="myapp"\n/,
    );
    expect(conf).toMatch(/WSGIImportScript \S+ process-group="localhost:8000" application-group="myapp"\n/);
    expect(summary(config).get('Application Group')).toBe('myapp');
  });

  it.each(['%{RESOURCE}', '%{SERVER}', '%{HOST}', '%{ENV:APP_GROUP}'])(
    'drops the start-up import for %s, which mod_wsgi expands per request',
    (group) => {
      const config = run({ 'application-group': group });
      expect(config.importAtStart).toBe(false);
      const conf = httpdConf(config);
      expect(conf).toContain(`application-group="${group}"\n`);
      expect(conf).not.toContain('WSGIImportScript');
    },
  );

  it('works in embedded mode too', () => {
    const config = run({ 'application-group': 'myapp', 'embedded-mode': true });
    expect(httpdConf(config)).toContain('process-group="%{GLOBAL}" application-group="myapp"\n');
  });

  it.each(['%{FOO}', '%{ENV:}', 'two words', '%{GLOBAL}x'])('refuses %j', (group) => {
    expect(refusal({ 'application-group': group })).toBe(
      `--application-group: ${JSON.stringify(group)} is not valid; expected a name such as myapp (letters, digits and _ . : @ | / + -), or one of %{GLOBAL}, %{RESOURCE}, %{SERVER}, %{HOST}, %{ENV:VARIABLE}.`,
    );
  });

  it('warns that a static site has no application group', () => {
    const config = run({ app: 'static', 'application-type': 'static', 'application-group': 'myapp' });
    expect(config.warnings).toContain('--application-group: no effect on a static site.');
  });
});

describe('interpreter directives', () => {
  it('--orphan-interpreter writes WSGIDestroyInterpreter Off where the module has it', () => {
    expect(httpdConf(run({ 'orphan-interpreter': true }))).toContain('\nWSGIDestroyInterpreter Off\n');
    expect(httpdConf(run())).not.toContain('WSGIDestroyInterpreter');
    expect(refusal({ 'orphan-interpreter': true }, { directives: DIRECTIVES })).toBe(
      '--orphan-interpreter needs a mod_wsgi with the WSGIDestroyInterpreter directive (4.9.0 or later); found 4.9.4.',
    );
  });

  it('--verbose-debugging writes WSGIVerboseDebugging On, or is ignored with a warning', () => {
    expect(httpdConf(run({ 'verbose-debugging': true }))).toContain('\nWSGIVerboseDebugging On\n');
    const without = run({ 'verbose-debugging': true }, { directives: DIRECTIVES });
    expect(httpdConf(without)).not.toContain('WSGIVerboseDebugging');
    expect(without.warnings).toContain(
      '--verbose-debugging: ignored; mod_wsgi 4.9.4 has no WSGIVerboseDebugging (it was only ever a diagnostic aid).',
    );
  });

  it('--python-warnings writes one WSGIPythonWarnings per filter, in order', () => {
    const conf = httpdConf(
      run({ 'python-warnings': ['ignore::DeprecationWarning', 'e::UserWarning:mymod:12', 'default'] }),
    );
    expect(conf).toContain(
      'WSGIPythonWarnings "ignore::DeprecationWarning"\nWSGIPythonWarnings "e::UserWarning:mymod:12"\nWSGIPythonWarnings "default"\n',
    );
  });

  it.each(['bogus', 'error:a:b:c:twelve', 'error:a:b:c:1:extra', ':x'])(
    'refuses the warnings filter %j',
    (spec) => {
      expect(refusal({ 'python-warnings': [spec] })).toBe(
        `--python-warnings: ${JSON.stringify(spec)} is not valid; expected a Python -W filter, action[:message[:category[:module[:lineno]]]], with action one of default, always, ignore, module, once, error.`,
      );
    },
  );

  it('--switch-interval and --free-threading need mod_wsgi 6.0', () => {
    expect(refusal({ 'switch-interval': '0.01' })).toBe(
      '--switch-interval needs mod_wsgi >= 6.0.0, found 4.9.4 (/usr/lib/apache2/modules/mod_wsgi.so).',
    );
    expect(refusal({ 'free-threading': true })).toBe(
      '--free-threading needs mod_wsgi >= 6.0.0, found 4.9.4 (/usr/lib/apache2/modules/mod_wsgi.so).',
    );
  });

  it('with mod_wsgi 6.0, --switch-interval sets WSGISwitchInterval and the daemon option', () => {
    const config = run({ 'switch-interval': '0.01' }, { version: [6, 0, 5] });
    expect(httpdConf(config)).toContain('\nWSGISwitchInterval 0.01\n');
    expect(daemonOptions(config).get('switch-interval')).toBe(0.01);
    for (const bad of ['0', '-1']) {
      expect(refusal({ 'switch-interval': bad }, { version: [6, 0, 5] })).toBe(
        `--switch-interval: "${bad}" is not valid; expected a number from 0.000001 to 2147483647.`,
      );
    }
  });

  it('with mod_wsgi 6.0, --free-threading writes WSGIFreeThreading On', () => {
    expect(httpdConf(run({ 'free-threading': true }, { version: [6, 0, 5] }))).toContain(
      '\nWSGIFreeThreading On\n',
    );
    expect(httpdConf(run({}, { version: [6, 0, 5] }))).not.toContain('WSGIFreeThreading');
  });
});

describe('--python-eggs', () => {
  it('sets python-eggs= on the daemon and asks for the directory to be created', () => {
    const config = run({ 'python-eggs': 'eggs' });
    expect(daemonOptions(config).get('python-eggs')).toBe(join(dir, 'eggs'));
    expect(config.features.logs.directories).toEqual([{ path: join(dir, 'eggs'), mode: 0o755, owned: true }]);
  });

  it('uses an existing directory as it is', () => {
    const config = run({ 'python-eggs': 'existing-eggs' });
    expect(daemonOptions(config).get('python-eggs')).toBe(join(dir, 'existing-eggs'));
    expect(config.features.logs.directories).toEqual([]);
  });

  it('sets WSGIPythonEggs in embedded mode', () => {
    const config = run({ 'python-eggs': 'eggs', 'embedded-mode': true });
    expect(httpdConf(config)).toContain(`\nWSGIPythonEggs "${dir}/eggs"\n`);
  });

  it('has no effect on a static site, and says so', () => {
    const config = run({ app: 'static', 'application-type': 'static', 'python-eggs': 'eggs' });
    expect(config.features.logs.directories).toEqual([]);
    expect(httpdConf(config)).not.toContain('eggs');
    expect(config.warnings).toContain('--python-eggs: no effect on a static site.');
  });

  it('refuses a file and a path whose parent is missing', () => {
    expect(refusal({ 'python-eggs': 'a-file' })).toBe(
      '--python-eggs: "a-file" is not valid; expected a directory (it is a file).',
    );
    expect(refusal({ 'python-eggs': 'no/such' })).toBe(
      `--python-eggs: "no/such" is not valid; expected a directory whose parent exists (${dir}/no does not).`,
    );
  });

  it('is created by writeServerRoot, and given to the run-as account when started as root', () => {
    // Writing the server root is the real file system's business: a real directory, the real Host.
    const real = realTempDir('ew-logs-eggs-');
    realWriteFileSync(join(real, 'app.wsgi'), 'def application(environ, start_response):\n    pass\n');
    const asRoot = process.getuid?.() === 0;
    const eggs = join(real, asRoot ? 'root-eggs' : 'user-eggs');
    const serverRoot = join(real, asRoot ? 'root-root' : 'user-root');
    const uid = process.getuid?.() ?? 1000;
    try {
      const config = resolve(
        options({ app: 'app.wsgi', 'server-root': serverRoot, 'python-eggs': eggs }),
        discoveryOf(),
        fakeContext(accounts, real, { uid, gid: process.getgid?.() ?? 1000 }),
      );
      writeServerRoot(config, render(config), uid);
      const st = realStatSync(eggs);
      expect(st.isDirectory()).toBe(true);
      expect(st.mode & 0o777).toBe(0o755);
      // Started as root, the app runs as www-data (uid 33 in the fake passwd).
      expect([st.uid, st.gid]).toEqual(asRoot ? [33, 33] : [uid, st.gid]);
      // A directory that exists already keeps its owner and mode.
      realChmodSync(eggs, 0o700);
      writeServerRoot(config, render(config), uid);
      expect(realStatSync(eggs).mode & 0o777).toBe(0o700);
    } finally {
      realRemoveDir(real);
    }
  });
});

describe('--lang', () => {
  it('is the deprecated spelling of --locale', () => {
    const config = run({ lang: 'en_US.UTF-8' });
    expect(config.locale).toBe('en_US.UTF-8');
    expect(daemonOptions(config).get('locale')).toBe('en_US.UTF-8');
    expect(config.warnings).toContain('--lang is deprecated; use --locale.');
  });

  it('loses to --locale', () => {
    const config = run({ lang: 'en_US.UTF-8', locale: 'C.UTF-8' });
    expect(config.locale).toBe('C.UTF-8');
    expect(config.warnings).toContain('--lang is deprecated and --locale C.UTF-8 wins over it.');
  });

  it('is checked like --locale', () => {
    expect(refusal({ lang: 'en US' })).toBe(
      '--lang: "en US" is not valid; expected a locale name such as C.UTF-8.',
    );
  });
});
