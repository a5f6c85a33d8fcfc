// Builds dist/ with esbuild (tsc only type-checks), using only documented options of esbuild,
// Node and handlebars. Startup time is the point (issue 7), so:
// - everything is CommonJS (dist/package.json says so): Node's ES module loader would cost every
//   command several milliseconds more;
// - dist/cli.js is src/bin.ts alone, small: it answers `--version` and `[COMMAND] --help` (texts
//   rendered here by the bundle itself, cli-main-HASH.cjs.help.json; src/options/stored-help.ts
//   says when they apply) and otherwise runs dist/cli-main-HASH.cjs, src/cli.ts bundled, where
//   the modules a command reaches only by `await import()` (yargs' setup, the launcher, the
//   rarer commands) are evaluated only when used (esbuild's lazy module initialisation);
// - yargs and execa, which setup-server never uses, are bundles of their own (cli-yargs-HASH.cjs,
//   cli-execa-HASH.cjs), read and compiled only by the commands that use them;
// - each bundle runs with a V8 code cache made here by a training run (src/code-cache.ts,
//   vm.Script's cachedData): worth ~20 ms of CPU to setup-server;
// - every template is precompiled (handlebars' precompile, with the options of
//   src/render/compile-options.ts) in place of src/render/precompiled.ts, and handlebars is its
//   runtime only, so no command loads the compiler or reads templates/*.hbs;
// - dist/docs.js (`npm run docs`) is src/docs.ts bundled the same way.
// Every module of a bundle sees the bundle's file as import.meta.url (esbuild's `define`), which
// is why only src/package-dir.ts, one level below the package as dist/ is, may resolve paths with it.
//   node scripts/bundle.mjs
import { spawnSync } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createServer } from 'node:net';
import { basename, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

import { build } from 'esbuild';
import Handlebars from 'handlebars';
import tmp from 'tmp';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const SRC = join(ROOT, 'src');
const DIST = join(ROOT, 'dist');
const TEMPLATES = join(ROOT, 'templates');
const SHEBANG = '#!/usr/bin/env -S node --inspect-port=0.0.0.1:9229';

/** A module of src/ run here: bundled into a scratch file (import.meta.url must be a file's), imported. */
async function importFromSource(contents) {
  const scratch = tmp.dirSync({ prefix: 'express-wsgi-build-', unsafeCleanup: true });
  try {
    const outfile = join(scratch.name, 'facts.mjs');
    await build({
      stdin: { contents, resolveDir: SRC, loader: 'ts' },
      bundle: true,
      outfile,
      format: 'esm',
      platform: 'node',
      logLevel: 'warning',
    });
    return await import(pathToFileURL(outfile).href);
  } finally {
    scratch.removeCallback();
  }
}

// What the build needs to know from src/: the compile options, the commands and the help widths.
const { COMPILE_OPTIONS, COMMANDS, STORED_WIDTHS, helpWidth } = await importFromSource(
  `export { COMPILE_OPTIONS } from './render/compile-options.js';
export { COMMANDS } from './options/argv.js';
export { STORED_WIDTHS, helpWidth } from './options/stored-help.js';`,
);

/** templates/**\/NAME.hbs, each precompiled, as the module src/render/precompiled.ts stands for. */
function precompiledTemplates() {
  const entries = readdirSync(TEMPLATES, { recursive: true })
    .filter((file) => file.endsWith('.hbs'))
    .sort()
    .map((file) => {
      const name = file.slice(0, -'.hbs'.length).split('\\').join('/');
      const spec = Handlebars.precompile(readFileSync(join(TEMPLATES, file), 'utf8'), COMPILE_OPTIONS);
      return `${JSON.stringify(name)}: ${spec}`;
    });
  return `export const PRECOMPILED = {\n${entries.join(',\n')}\n};\n`;
}

const precompiled = {
  name: 'precompiled-templates',
  setup(b) {
    const importer = join(SRC, 'render/templates.ts');
    b.onResolve({ filter: /^\.\/precompiled\.js$/ }, (args) =>
      args.importer === importer ? { path: 'precompiled', namespace: 'templates' } : undefined,
    );
    b.onLoad({ filter: /.*/, namespace: 'templates' }, () => ({
      contents: precompiledTemplates(),
      loader: 'js',
    }));
  },
};

// How every bundle is built: CommonJS for Node 20, `import()` turned into `require()` (so that
// Node's ES module loader is never started), import.meta.url the bundle's own file URL (esbuild's
// documented replacement for it in CommonJS), without whitespace or comments (less to read and
// compile; names stay, so stack traces stay readable).
const bundled = {
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: 'node20',
  supported: { 'dynamic-import': false },
  alias: { handlebars: 'handlebars/runtime' },
  define: { 'import.meta.url': 'importMetaUrl' },
  banner: { js: "const importMetaUrl = require('node:url').pathToFileURL(__filename).href;" },
  minifyWhitespace: true,
  minifySyntax: true,
  plugins: [precompiled],
  logLevel: 'warning',
  legalComments: 'none',
};

mkdirSync(DIST, { recursive: true });
writeFileSync(join(DIST, 'package.json'), `${JSON.stringify({ type: 'commonjs' })}\n`);

// 1. The libraries only some commands use, each a bundle of its own, so that setup-server neither
//    reads nor compiles them: yargs (help, mistakes, the rarer command lines) and execa (the
//    launcher). They share no module with src/, so the main bundle simply requires them.
// Each exports what Node's require() of the package would give an ES module importing it: yargs'
// default export as module.exports (src/ reads `import yargs from 'yargs'` that way), execa's
// named exports.
const LIBRARIES = {
  'cli-yargs': {
    pkg: 'yargs',
    exports: (path) => `module.exports = require(${JSON.stringify(path)}).default;`,
  },
  'cli-execa': { pkg: 'execa', exports: (path) => `module.exports = require(${JSON.stringify(path)});` },
};
// Each entry is a module of its own namespace (not a file), so the names' hashes depend on the
// contents only.
const libraries = await build({
  ...bundled,
  entryPoints: Object.keys(LIBRARIES).map((name) => ({ in: `library:${name}`, out: name })),
  plugins: [
    {
      name: 'library-entries',
      setup(b) {
        b.onResolve({ filter: /^library:/ }, (args) => ({
          path: args.path.slice('library:'.length),
          namespace: 'library',
        }));
        b.onLoad({ filter: /.*/, namespace: 'library' }, (args) => {
          const { pkg, exports } = LIBRARIES[args.path];
          return {
            contents: exports(fileURLToPath(import.meta.resolve(pkg))),
            resolveDir: ROOT,
            loader: 'js',
          };
        });
      },
    },
  ],
  outdir: DIST,
  entryNames: '[name]-[hash]',
  outExtension: { '.js': '.cjs' },
  metafile: true,
});
const libraryFiles = Object.fromEntries(
  Object.keys(libraries.metafile.outputs).map((path) => [
    basename(path).replace(/-[^-]*$/, ''),
    basename(path),
  ]),
);
const requireLibraries = {
  name: 'libraries',
  setup(b) {
    for (const [name, { pkg }] of Object.entries(LIBRARIES)) {
      b.onResolve({ filter: new RegExp(`^${pkg}$`) }, () => ({
        path: `./${libraryFiles[name]}`,
        external: true,
      }));
    }
  },
};

// 2. The command line: src/cli.ts, named by its content's hash (a command already running keeps
//    reading the file it started with while a rebuild writes another).
const { metafile } = await build({
  ...bundled,
  entryPoints: { 'cli-main': join(SRC, 'cli.ts') },
  plugins: [requireLibraries, precompiled],
  outdir: DIST,
  entryNames: '[name]-[hash]',
  outExtension: { '.js': '.cjs' },
  metafile: true,
});
const main = basename(Object.keys(metafile.outputs).find((path) => path.endsWith('.cjs')));
const storedHelpFile = `${main}.help.json`;

// 3. The help texts dist/cli.js prints without yargs: what the bundle prints for `--help` and
//    each `COMMAND --help` at each stored width, with stdout a pipe and the locale unset (so
//    English). The terminal width is given as a terminal would give it.
const RENDER_HELP = `const [file, columns, ...argv] = process.argv.slice(1);
if (columns) Object.defineProperty(process.stdout, 'columns', { value: Number(columns) });
process.argv = [process.argv[0], file, ...argv];
require(file);`;
const renderEnv = { ...process.env };
for (const name of ['LC_ALL', 'LC_MESSAGES', 'LANG', 'LANGUAGE', 'YARGS_DISABLE_WRAP']) {
  delete renderEnv[name];
}
const storedHelp = {};
for (const width of STORED_WIDTHS) {
  storedHelp[width] = {};
  for (const command of ['', ...COMMANDS]) {
    const argv = command ? [command, '--help'] : ['--help'];
    const columns = width === helpWidth(undefined) ? '' : String(width);
    const rendered = spawnSync(process.execPath, ['-e', RENDER_HELP, join(DIST, main), columns, ...argv], {
      cwd: ROOT,
      env: renderEnv,
      encoding: 'utf8',
      maxBuffer: 16 * 1024 * 1024,
    });
    if (rendered.status !== 0 || rendered.stderr || !rendered.stdout) {
      throw new Error(
        `bundle: ${argv.join(' ')} at width ${width} (status ${rendered.status}):\n${rendered.stderr}`,
      );
    }
    storedHelp[width][command] = rendered.stdout;
  }
}
writeFileSync(join(DIST, storedHelpFile), JSON.stringify(storedHelp));

// 4. The V8 code caches (src/code-cache.ts), each made by a training run. V8 deserialises a whole
//    cache before running anything, so each holds what its commands run and no more: the main
//    bundle's and execa's from start-server on the sample app until it answers 200, then SIGTERM,
//    as a user would (setup-server's path, resolve, render and write, is part of it); yargs' from
//    a usage mistake. Without Apache here (or any failure) a cache is missing, and the command line
//    only starts slower.
const TRAIN = `const { runBundle, saveCodeCaches } = require(process.argv[1]);
const save = JSON.parse(process.argv[2]);
const port = Number(process.argv[3]);
process.argv = [process.argv[0], ...process.argv.slice(4)];
process.on('exit', () => saveCodeCaches(save));
runBundle(process.argv[1]);
const deadline = Date.now() + 60000;
const stop = () => process.kill(process.pid, 'SIGTERM');
const retry = () => (Date.now() < deadline ? setTimeout(poll, 20) : stop());
const poll = () =>
  require('node:http')
    .get({ host: '127.0.0.1', port, path: '/', agent: false }, (res) => {
      res.resume();
      res.statusCode === 200 ? stop() : retry();
    })
    .on('error', retry);
if (port) poll();`;
const freePort = () =>
  new Promise((resolve, reject) => {
    const server = createServer().once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
const scratch = tmp.dirSync({ prefix: 'express-wsgi-train-', unsafeCleanup: true });
try {
  chmodSync(scratch.name, 0o755); // Apache's account must reach the server root in it
  const loader = join(scratch.name, 'code-cache.cjs');
  await build({ ...bundled, entryPoints: [join(SRC, 'code-cache.ts')], outfile: loader });
  const port = await freePort();
  const app = join(ROOT, 'fixtures/hello.wsgi');
  const server = ['--host', '127.0.0.1', '--port', String(port), '--server-root', join(scratch.name, 'root')];
  const runs = [
    { save: [main, libraryFiles['cli-execa']], port, argv: ['start-server', app, ...server] },
    { save: [libraryFiles['cli-yargs']], port: 0, argv: ['setup-server', '--no-such-option'] },
  ];
  for (const run of runs) {
    for (const name of run.save) {
      rmSync(join(DIST, `${name}.cache`), { force: true });
    }
    const trained = spawnSync(
      process.execPath,
      ['-e', TRAIN, loader, JSON.stringify(run.save), run.port, join(DIST, main), ...run.argv],
      { cwd: scratch.name, stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8', timeout: 120_000 },
    );
    const missing = run.save.filter((name) => !existsSync(join(DIST, `${name}.cache`)));
    if (missing.length) {
      process.stderr.write(
        `bundle: no code cache for ${missing.join(', ')} (training failed):\n${trained.stderr}\n`,
      );
    }
  }
} finally {
  scratch.removeCallback();
}

// 5. The entry, written last (to a temporary name, then renamed) so that it never names a bundle
//    not yet complete.
const entry = await build({
  ...bundled,
  entryPoints: [join(SRC, 'bin.ts')],
  write: false,
  define: {
    ...bundled.define,
    MAIN_BUNDLE: JSON.stringify(`./${main}`),
    STORED_HELP_FILE: JSON.stringify(`./${storedHelpFile}`),
  },
  banner: { js: `${SHEBANG}\n// Generated by scripts/bundle.mjs from src/bin.ts.\n${bundled.banner.js}` },
});
writeFileSync(join(DIST, 'cli.js.tmp'), entry.outputFiles[0].contents);
chmodSync(join(DIST, 'cli.js.tmp'), 0o755);
renameSync(join(DIST, 'cli.js.tmp'), join(DIST, 'cli.js'));

// 6. The docs script (`node dist/docs.js`).
await build({ ...bundled, entryPoints: [join(SRC, 'docs.ts')], outfile: join(DIST, 'docs.js') });

// What earlier builds wrote, removed only now: a command already running may still read it.
const written = new Set(['package.json', 'cli.js', 'docs.js', storedHelpFile]);
for (const name of [main, ...Object.values(libraryFiles)]) {
  written.add(name).add(`${name}.cache`);
}
for (const name of readdirSync(DIST)) {
  if (!written.has(name)) {
    rmSync(join(DIST, name), { recursive: true, force: true });
  }
}
