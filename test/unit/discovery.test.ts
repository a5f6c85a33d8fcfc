/**
 * Discovery against the real Debian install (apache2 in /usr/sbin, modules in
 * /usr/lib/apache2/modules, mod_wsgi 4.9.4 for Python 3.11), plus fake module files and
 * executables in a temp directory for the cases the machine does not have.
 */
import { chmodSync, mkdirSync, realpathSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';

import {
  discover,
  findHttpd,
  asksApxs,
  findModulesDirectory,
  findModWsgi,
  findPython,
  inspectModWsgi,
  installHint,
} from '../../src/discovery/discovery.js';
import { EnvironmentError, UsageError } from '../../src/errors.js';
import { MODULES_DIR, removeDir, tempDir } from './helpers/fakes.js';

const DEBIAN_MOD_WSGI = '/usr/lib/apache2/modules/mod_wsgi.so';

let dir: string;
/** An executable file standing in for httpd, on a PATH of its own. */
let binDir: string;
let fakeModule: string;
let emptyModule: string;

function executable(path: string, body = '#!/bin/sh\nexit 0\n'): string {
  writeFileSync(path, body);
  chmodSync(path, 0o755);
  return path;
}

beforeAll(() => {
  dir = tempDir('ew-discovery-');
  binDir = join(dir, 'bin');
  mkdirSync(binDir);
  executable(join(binDir, 'myhttpd'));
  executable(join(binDir, 'apache2'));
  fakeModule = join(dir, 'mod_wsgi_fake.so');
  writeFileSync(
    fakeModule,
    Buffer.concat([
      Buffer.from('\x7fELF junk'),
      Buffer.from(
        '\0' + '6.0.5' + '\0' + 'mod_wsgi/%s' + '\0' + 'libpython3.12.so.1.0' + '\0WSGIFoo\0',
        'latin1',
      ),
      Buffer.from('trailing'),
    ]),
  );
  emptyModule = join(dir, 'mod_nothing.so');
  writeFileSync(emptyModule, Buffer.from('\x7fELF\0\0no version, no python, no directives here\0'));
});

afterAll(() => removeDir(dir));

/** The error `fn` throws, checked to be of the given class. */
function failure(fn: () => unknown, kind: typeof UsageError | typeof EnvironmentError): string {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(kind);
    return (error as Error).message;
  }
  throw new Error('expected a failure, got none');
}

describe('inspectModWsgi', () => {
  it("reads Debian's mod_wsgi: 4.9.4 for Python 3.11 with its directives", () => {
    const path = realpathSync(DEBIAN_MOD_WSGI);
    const module = inspectModWsgi(path);
    expect(module.path).toBe(path);
    expect(module.version).toEqual([4, 9, 4]);
    expect(module.pythonVersion).toBe('3.11');
    for (const directive of ['WSGIDaemonProcess', 'WSGISocketRotation', 'WSGIRestrictEmbedded']) {
      expect(module.directives.has(directive)).toBe(true);
    }
    // Only names that are whole strings in the binary, all WSGI*.
    for (const directive of module.directives) {
      expect(directive).toMatch(/^WSGI[A-Za-z]+$/);
    }
  });

  it('reads a fake module with the same byte layout', () => {
    const module = inspectModWsgi(fakeModule);
    expect(module.version).toEqual([6, 0, 5]);
    expect(module.pythonVersion).toBe('3.12');
    expect([...module.directives]).toEqual(['WSGIFoo']);
  });

  it('gives [0, 0, 0] and no Python for a file that says nothing', () => {
    const module = inspectModWsgi(emptyModule);
    expect(module.version).toEqual([0, 0, 0]);
    expect(module.pythonVersion).toBeUndefined();
    expect(module.directives.size).toBe(0);
  });
});

describe('findHttpd', () => {
  it('prefers the option over $HTTPD', () => {
    const env = { HTTPD: '/usr/sbin/apache2', PATH: '' };
    expect(findHttpd(join(binDir, 'myhttpd'), env)).toBe(join(binDir, 'myhttpd'));
  });

  it('uses $HTTPD without the option', () => {
    expect(findHttpd(undefined, { HTTPD: join(binDir, 'myhttpd'), PATH: '' })).toBe(join(binDir, 'myhttpd'));
  });

  it('searches a bare name on PATH first', () => {
    expect(findHttpd('myhttpd', { PATH: binDir })).toBe(join(binDir, 'myhttpd'));
    expect(findHttpd('apache2', { PATH: binDir })).toBe(join(binDir, 'apache2'));
  });

  it('falls back to /usr/sbin for a bare name not on PATH', () => {
    expect(findHttpd('apache2', { PATH: join(dir, 'nowhere') })).toBe('/usr/sbin/apache2');
  });

  it('names --httpd-executable and the value when the path is missing', () => {
    const missing = join(dir, 'no-such-httpd');
    const message = failure(() => findHttpd(missing, { PATH: '' }), UsageError);
    expect(message).toContain('--httpd-executable');
    expect(message).toContain(JSON.stringify(missing));
  });

  it('refuses a bare name found nowhere', () => {
    const message = failure(() => findHttpd('no-such-httpd-xyz', { PATH: binDir }), UsageError);
    expect(message).toContain('--httpd-executable');
    expect(message).toContain('"no-such-httpd-xyz"');
  });

  it('refuses a file that is not executable', () => {
    const plain = join(dir, 'plain-httpd');
    writeFileSync(plain, '#!/bin/sh\n');
    chmodSync(plain, 0o644);
    expect(failure(() => findHttpd(plain, { PATH: '' }), UsageError)).toContain('--httpd-executable');
  });

  it('finds /usr/sbin/apache2 with an empty PATH and no option', () => {
    expect(findHttpd(undefined, { PATH: '' })).toBe('/usr/sbin/apache2');
    expect(findHttpd(undefined, {})).toBe('/usr/sbin/apache2');
  });
});

describe('findModulesDirectory', () => {
  it('refuses an option that is not a directory', () => {
    const message = failure(() => findModulesDirectory(fakeModule, { PATH: '' }), UsageError);
    expect(message).toContain('--modules-directory');
    expect(message).toContain(JSON.stringify(fakeModule));
    expect(failure(() => findModulesDirectory(join(dir, 'missing'), { PATH: '' }), UsageError)).toContain(
      '--modules-directory',
    );
  });

  it('takes an existing directory given as the option, even without modules', () => {
    expect(findModulesDirectory(binDir, { PATH: '' })).toBe(binDir);
  });

  it("finds Debian's modules directory without an option", () => {
    expect(findModulesDirectory(undefined, { PATH: binDir })).toBe(MODULES_DIR);
  });

  it('asks $APXS for LIBEXECDIR first', () => {
    const libexec = join(dir, 'apxs-modules');
    mkdirSync(libexec);
    writeFileSync(join(libexec, 'mod_rewrite.so'), '');
    const apxs = executable(
      join(dir, 'fake-apxs'),
      `#!/bin/sh\n[ "$1 $2" = "-q LIBEXECDIR" ] && echo '${libexec}'\n`,
    );
    expect(findModulesDirectory(undefined, { APXS: apxs, PATH: '' })).toBe(libexec);
  });
});

describe('asksApxs', () => {
  it("skips the distribution's own apxs when the distribution's modules directory is there", () => {
    expect(asksApxs('/usr/bin/apxs', false, true)).toBe(false);
    expect(asksApxs('/usr/sbin/apxs2', false, true)).toBe(false);
  });
  it('asks $APXS, a custom build, or any apxs when no known directory has modules', () => {
    expect(asksApxs('/usr/bin/apxs', true, true)).toBe(true);
    expect(asksApxs('/opt/httpd/bin/apxs', false, true)).toBe(true);
    expect(asksApxs('/usr/bin/apxs', false, false)).toBe(true);
  });
});

describe('findModWsgi', () => {
  it('refuses an option pointing at a missing file', () => {
    const missing = join(dir, 'missing_mod_wsgi.so');
    const message = failure(() => findModWsgi(missing, MODULES_DIR, { PATH: '' }), UsageError);
    expect(message).toContain('--mod-wsgi-module');
    expect(message).toContain(JSON.stringify(missing));
  });

  it('inspects the module the option names', () => {
    expect(findModWsgi(fakeModule, MODULES_DIR, { PATH: '' }).version).toEqual([6, 0, 5]);
  });

  it('honours $MOD_WSGI_MODULE', () => {
    const module = findModWsgi(undefined, MODULES_DIR, { PATH: '', MOD_WSGI_MODULE: fakeModule });
    expect(module.path).toBe(fakeModule);
    expect(module.version).toEqual([6, 0, 5]);
    expect(module.pythonVersion).toBe('3.12');
  });

  it("finds mod_wsgi.so in the modules directory, resolved through Debian's symlink", () => {
    const module = findModWsgi(undefined, MODULES_DIR, { PATH: '' });
    expect(module.path).toBe(realpathSync(DEBIAN_MOD_WSGI));
    expect(module.version).toEqual([4, 9, 4]);
  });

  it('reports a modules directory without mod_wsgi.so with the install command', () => {
    const modules = join(dir, 'modules-without-wsgi');
    mkdirSync(modules);
    writeFileSync(join(modules, 'mod_rewrite.so'), '');
    const message = failure(() => findModWsgi(undefined, modules, { PATH: '' }), EnvironmentError);
    expect(message).toContain(join(modules, 'mod_wsgi.so'));
    expect(message).toContain(installHint());
    expect(installHint()).toContain('libapache2-mod-wsgi-py3');
  });
});

describe('findPython', () => {
  it("finds Debian's python3.11 for the Debian module", () => {
    expect(findPython('3.11', realpathSync(DEBIAN_MOD_WSGI))).toBe('/usr/bin/python3.11');
  });

  it("prefers the prefix's interpreter for a pip-built module", () => {
    const prefix = join(dir, 'venv');
    const serverDir = join(prefix, 'lib', 'python3.11', 'site-packages', 'mod_wsgi', 'server');
    mkdirSync(serverDir, { recursive: true });
    mkdirSync(join(prefix, 'bin'));
    const python = executable(join(prefix, 'bin', 'python3.11'));
    expect(findPython('3.11', join(serverDir, 'mod_wsgi.so'))).toBe(python);
  });

  it('gives undefined for an unknown or missing version', () => {
    expect(findPython('9.99', realpathSync(DEBIAN_MOD_WSGI))).toBeUndefined();
    expect(findPython(undefined, realpathSync(DEBIAN_MOD_WSGI))).toBeUndefined();
  });
});

describe('discover', () => {
  it('finds the whole Debian install with the defaults', () => {
    const discovery = discover();
    expect(discovery.modulesDirectory).toBe(MODULES_DIR);
    expect(discovery.modules.has('mod_mpm_event.so')).toBe(true);
    expect(discovery.modules.has('mod_rewrite.so')).toBe(true);
    for (const name of discovery.modules) {
      expect(name).toMatch(/\.so$/);
    }
    expect(realpathSync(discovery.httpd)).toBe(realpathSync('/usr/sbin/apache2'));
    expect(discovery.modWsgi.version).toEqual([4, 9, 4]);
    expect(discovery.python).toBe('/usr/bin/python3.11');
  });
});
