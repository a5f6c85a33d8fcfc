// Bundles the shipped command into dist/ (run after tsc, which type-checks and emits the rest of
// dist/ for dist/docs.js). Startup time is the point (issue 7):
// - dist/cli.js is a small ES module: `--version` alone is answered there; everything else runs
//   dist/cli-main-HASH.cjs, the whole command line in one CommonJS bundle, compiled with a V8 code
//   cache (dist/cli-main-HASH.cjs.cache) made here by a training run of setup-server and --help.
//   One file instead of ES module chunks spares Node's ES module loader (~10 ms), and the cache
//   most of V8's compiling (~15 ms). The cache is only used when this Node (V8 version and flags)
//   accepts it; otherwise the bundle compiles as usual. It is never written at run time, so dist/
//   may be read-only. The hash in the name ties a cache to its bundle (V8 checks only the length);
//   yargs and the rarer commands are in the bundle too, but evaluated only when used;
// - every template precompiled (src/templates.ts is replaced), so no command loads the handlebars
//   compiler or reads templates/*.hbs;
// - string-width (yargs' help layout) answers plain ASCII itself instead of running its Unicode
//   regexes over every help line;
// - `import.meta.url` in each module keeps meaning the file tsc would have emitted (dist/X.js), so
//   paths like ../package.json and ../../docs resolve as they do unbundled.
//   node scripts/bundle.mjs
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

import { build } from 'esbuild';
import Handlebars from 'handlebars';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const SRC = join(ROOT, 'src');
const DIST = join(ROOT, 'dist');
const TEMPLATES = join(ROOT, 'templates');
// What earlier builds wrote: ES module chunks (before the single bundle) and bundles with caches.
const BUILT = /^cli-.*-[A-Z0-9]{8}\.(js|cjs|cjs\.cache)$/;

// The compile options of src/templates.ts (read from it, so the two cannot drift).
const templatesSource = readFileSync(join(SRC, 'templates.ts'), 'utf8');
const COMPILE_OPTIONS = JSON.parse(
  /COMPILE_OPTIONS = (\{[^}]*\})/.exec(templatesSource)[1].replace(/(\w+):/g, '"$1":'),
);

function precompiledModule() {
  const entries = [];
  const walk = (dir) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) {
        walk(path);
      } else if (entry.name.endsWith('.hbs')) {
        const name = relative(TEMPLATES, path).slice(0, -'.hbs'.length).split('\\').join('/');
        const spec = Handlebars.precompile(readFileSync(path, 'utf8'), COMPILE_OPTIONS);
        entries.push(`${JSON.stringify(name)}: ${spec}`);
      }
    }
  };
  walk(TEMPLATES);
  return [
    `export const PRECOMPILED = {\n${entries.join(',\n')}\n};`,
    `export const COMPILE_OPTIONS = ${JSON.stringify(COMPILE_OPTIONS)};`,
  ].join('\n');
}

const plugin = {
  name: 'express-wsgi',
  setup(b) {
    b.onResolve({ filter: /^\.\/templates\.js$/ }, (args) =>
      args.importer === join(SRC, 'render.ts') ? { path: 'precompiled', namespace: 'templates' } : undefined,
    );
    b.onLoad({ filter: /.*/, namespace: 'templates' }, () => ({
      contents: precompiledModule(),
      loader: 'js',
    }));

    b.onResolve({ filter: /^string-width$/ }, async (args) => {
      if (args.pluginData === 'real') {
        return undefined;
      }
      const real = await b.resolve('string-width', {
        resolveDir: args.resolveDir,
        kind: args.kind,
        pluginData: 'real',
      });
      return { path: real.path, namespace: 'ascii-width', pluginData: real.path };
    });
    b.onLoad({ filter: /.*/, namespace: 'ascii-width' }, (args) => ({
      resolveDir: dirname(args.path),
      loader: 'js',
      // Printable ASCII has no escapes, no wide or zero-width characters: its width is its length.
      contents: `import real from ${JSON.stringify(args.path)};
export default function stringWidth(text, options) {
  return typeof text === 'string' && /^[\\x20-\\x7e]*$/.test(text) ? text.length : real(text, options);
}`,
    }));

    // yargs renders the whole help text after running a command's handler, to cache it for a later
    // showHelp() that never comes here (our .fail() throws instead): ~25 ms of every setup-server.
    b.onLoad({ filter: /[\\/]yargs[\\/]build[\\/]lib[\\/]command\.js$/ }, (args) => {
      const source = readFileSync(args.path, 'utf8');
      const call = 'yargs.getInternalMethods().getUsageInstance().cacheHelpMessage();';
      if (!source.includes(call)) {
        throw new Error(`${args.path}: no "${call}" to remove; update scripts/bundle.mjs for this yargs`);
      }
      return { contents: source.replace(call, ''), loader: 'js' };
    });

    b.onLoad({ filter: /\.ts$/ }, (args) => {
      if (!args.path.startsWith(SRC)) {
        return undefined;
      }
      const source = readFileSync(args.path, 'utf8');
      if (!source.includes('import.meta.url')) {
        return { contents: source, loader: 'ts' };
      }
      // The bundle is written into dist/, next to where tsc puts cli.js.
      const emitted = `./${relative(SRC, args.path).split('\\').join('/').replace(/\.ts$/, '.js')}`;
      return {
        contents: source.replaceAll(
          'import.meta.url',
          `new URL(${JSON.stringify(emitted)}, import.meta.url).href`,
        ),
        loader: 'ts',
      };
    });
  },
};

const { metafile } = await build({
  entryPoints: { 'cli-main': join(SRC, 'cli.ts') },
  outdir: DIST,
  entryNames: '[name]-[hash]',
  outExtension: { '.js': '.cjs' },
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: 'node20',
  alias: { handlebars: 'handlebars/runtime' },
  // The bundle's own file URL: the base for each module's import.meta.url (see the plugin).
  define: { 'import.meta.url': '__bundleUrl' },
  banner: { js: "const __bundleUrl = require('node:url').pathToFileURL(__filename).href;" },
  plugins: [plugin],
  logLevel: 'warning',
  legalComments: 'none',
  metafile: true,
});
const bundle = join(
  ROOT,
  Object.keys(metafile.outputs).find((path) => path.endsWith('.cjs')),
);
const name = basename(bundle);

// The loader, shared by dist/cli.js and the training run: compiles the bundle with its code cache
// and runs it as CommonJS would. Returns the script, for createCachedData().
const LOADER = `function runBundle(file, cachedData) {
  const source = readFileSync(file, 'utf8');
  const wrapped = \`(function (exports, require, module, __filename, __dirname) { \${source}\\n})\`;
  const script = new Script(wrapped, { filename: file, cachedData });
  const module = { exports: {} };
  script.runInThisContext()(module.exports, createRequire(file), module, file, dirname(file));
  return script;
}`;
const LOADER_IMPORTS = `import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Script } from 'node:vm';`;

// Training: run --help (process.exit held back) and then setup-server on the sample app in one
// process, so the cache holds the functions both compile, and write the cache on the way out.
const scratch = mkdtempSync(join(tmpdir(), 'express-wsgi-train-'));
const TRAIN = `${LOADER_IMPORTS}
import { writeFileSync } from 'node:fs';
${LOADER}
const [file, cache, root, app] = process.argv.slice(2);
const exit = process.exit;
process.exit = () => {};
let script;
const runs = [['start-server', '--help'], ['setup-server', app, '--server-root', root]];
const next = () => {
  process.argv = [process.argv[0], file, ...runs.shift()];
  script = runBundle(file);
  if (runs.length) {
    process.once('beforeExit', next);
  } else {
    process.once('exit', () => {
      writeFileSync(cache, script.createCachedData());
      exit(0);
    });
  }
};
next();
`;
writeFileSync(join(scratch, 'train.mjs'), TRAIN);
const trained = spawnSync(
  process.execPath,
  [
    join(scratch, 'train.mjs'),
    bundle,
    `${bundle}.cache`,
    join(scratch, 'root'),
    join(ROOT, 'fixtures/hello.wsgi'),
  ],
  { cwd: scratch, stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' },
);
rmSync(scratch, { recursive: true, force: true });
if (trained.status !== 0) {
  // Without a cache the command still works, only slower to start.
  process.stderr.write(`bundle: no code cache (the training run failed):\n${trained.stderr}\n`);
}

// The entry point, written last so that it never names a bundle not yet complete.
const ENTRY = `#!/usr/bin/env node
// Generated by scripts/bundle.mjs.
${LOADER_IMPORTS}
const args = process.argv.slice(2);
if (args.length === 1 && args[0] === '--version') {
  // What yargs would print: the version and a newline.
  const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
  process.stdout.write(version + '\\n');
} else {
  ${LOADER.replace(/\n/g, '\n  ')}
  const file = fileURLToPath(new URL(${JSON.stringify(`./${name}`)}, import.meta.url));
  let cachedData;
  try {
    cachedData = readFileSync(file + '.cache');
  } catch {
    // no cache (the training run failed): compile without one
  }
  runBundle(file, cachedData);
}
`;
writeFileSync(join(DIST, 'cli.js.tmp'), ENTRY, { mode: 0o755 });
renameSync(join(DIST, 'cli.js.tmp'), join(DIST, 'cli.js'));

// What earlier builds wrote, removed only now: a command already running may still read it.
for (const file of readdirSync(DIST)) {
  if (BUILT.test(file) && file !== name && file !== `${name}.cache`) {
    rmSync(join(DIST, file));
  }
}
