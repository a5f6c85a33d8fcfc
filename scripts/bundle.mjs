// Builds dist/ (tsc only type-checks; nothing else writes there). Startup time is the point
// (issue 7):
// - dist/cli.js is a small CommonJS script (dist/package.json says so: Node's ES module loader
//   would cost every command ~5-10 ms more): `--version` alone is answered there, and
//   `[COMMAND] --help` from help texts rendered here (cli-main-HASH.cjs.help.json;
//   src/options/stored-help.ts says when they apply) without loading the bundle or yargs;
//   everything else runs dist/cli-main-HASH.cjs, the whole command line in one CommonJS bundle,
//   compiled with a V8 code cache (dist/cli-main-HASH.cjs.cache) made here by a training run of
//   setup-server and --help. One file instead of ES module chunks spares Node's ES module loader
//   (~10 ms), and the cache most of V8's compiling (~15 ms). The cache is only used when this Node
//   (V8 version and flags) accepts it; otherwise the bundle compiles as usual. It is never written
//   at run time, so dist/ may be read-only. The hash in the name ties a cache to its bundle (V8
//   checks only the length); yargs and the rarer commands are in the bundle too, but evaluated
//   only when used;
// - every template precompiled (src/templates.ts is replaced), so no command loads the handlebars
//   compiler or reads templates/*.hbs;
// - string-width (yargs' help layout) answers plain ASCII itself instead of running its Unicode
//   regexes over every help line;
// - `import.meta.url` in each module keeps meaning the file tsc would have emitted (dist/X.js), so
//   paths like ../package.json and ../../docs resolve as they do unbundled;
// - dist/docs.js (`npm run docs`) is src/docs.ts bundled the same way, also CommonJS.
//   node scripts/bundle.mjs
import { spawnSync } from 'node:child_process';
import {
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { basename, dirname, join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

import { build } from 'esbuild';
import Handlebars from 'handlebars';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const SRC = join(ROOT, 'src');
const DIST = join(ROOT, 'dist');
const TEMPLATES = join(ROOT, 'templates');
// What earlier builds wrote: ES module chunks (before the single bundle) and bundles with caches.
const BUILT = /^cli-.*-[A-Z0-9]{8}\.(js|cjs|cjs\.cache|cjs\.help\.cache|cjs\.help\.json)$/;
// What tsc wrote into dist/ before it only type-checked: ES modules, wrong under dist/package.json.
const TSC_OUTPUT = (entry) =>
  entry.isDirectory()
    ? readdirSync(SRC, { withFileTypes: true }).some((e) => e.isDirectory() && e.name === entry.name)
    : entry.name.endsWith('.js') && entry.name !== 'cli.js' && entry.name !== 'docs.js';

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
      // Each bundle is (or stands in for) a file in dist/, where tsc would have put cli.js.
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

// How every CommonJS bundle of src/ is built; `url` is its file URL, the base for each module's
// import.meta.url (see the plugin): the bundle's own unless it stands in for one in dist/.
const bundled = (url = "require('node:url').pathToFileURL(__filename).href") => ({
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: 'node20',
  alias: { handlebars: 'handlebars/runtime' },
  define: { 'import.meta.url': '__bundleUrl' },
  banner: { js: `const __bundleUrl = ${url};` },
  plugins: [plugin],
  logLevel: 'warning',
  legalComments: 'none',
});

// Every .js under dist/ is CommonJS: the entry, the docs script and the bundles.
mkdirSync(DIST, { recursive: true });
writeFileSync(join(DIST, 'package.json'), `${JSON.stringify({ type: 'commonjs' })}\n`);

// The command line is three bundles: the main one (src/cli.ts: the fast path, the commands, the
// server root) and two parts that setup-server never runs, each its own file so that it is neither
// read nor compiled then: yargs (help, mistakes, the rarer command lines) and the launcher (execa;
// start-server only). esbuild splits no CommonJS, so each part is a bundle of its own, and the
// `await import()` naming it becomes a stub that loads it (__loadPart, from the loader below).
// Modules of src/ that a part shares with the main bundle are not copied into it: it requires them
// from the main bundle (`express-wsgi:PATH`, from a registry there), so there is one UsageError
// (cli.ts checks errors with instanceof), one log.ts and so on.
const PARTS = {
  'cli-yargs': {
    entry: join(SRC, 'options/yargs.ts'),
    importer: join(SRC, 'cli.ts'),
    specifier: './options/yargs.js',
  },
  'cli-launch': {
    entry: join(SRC, 'launch/index.ts'),
    importer: join(SRC, 'commands/serve.ts'),
    specifier: '../launch/index.js',
  },
};
const SHARED_PREFIX = 'express-wsgi:';
// The main bundle with each part's import replaced by `stub(part)`.
const partStubs = (stub) => ({
  name: 'express-wsgi-parts',
  setup(b) {
    b.onResolve({ filter: /^\.\.?\/.*\.js$/ }, (args) => {
      const part = Object.entries(PARTS).find(
        ([, p]) => p.importer === args.importer && p.specifier === args.path,
      );
      return part ? { path: part[0], namespace: 'part' } : undefined;
    });
    b.onLoad({ filter: /.*/, namespace: 'part' }, (args) => ({ contents: stub(args.path), loader: 'js' }));
    b.onResolve({ filter: /^express-wsgi-shared$/ }, () => ({ path: 'shared', namespace: 'shared' }));
  },
});
// The command line's bundles without whitespace and comments, and with simpler syntax: less to read
// and compile, and ASCII throughout (checked below). Names stay, so stack traces stay readable.
const MINIFY = { minifyWhitespace: true, minifySyntax: true };
const mainOptions = (stub, extraPlugins = []) => ({
  ...bundled(),
  ...MINIFY,
  entryPoints: { 'cli-main': join(SRC, 'cli.ts') },
  plugins: [partStubs(stub), ...extraPlugins, plugin],
});
const srcPath = (key) => join(ROOT, key);
const relSrc = (path) => relative(SRC, path).split('\\').join('/');

// 1. Which modules of src/ the main bundle holds (parts stubbed out).
const probe = await build({
  ...mainOptions(() => 'module.exports = {};'),
  write: false,
  outdir: DIST,
  metafile: true,
});
const inMain = new Set(
  Object.keys(Object.values(probe.metafile.outputs)[0].inputs)
    .map(srcPath)
    .filter((path) => path.startsWith(SRC)),
);

// 2. The parts, requiring what the main bundle holds from it.
const shared = new Set();
const partOutputs = await build({
  ...bundled(),
  ...MINIFY,
  entryPoints: Object.fromEntries(Object.entries(PARTS).map(([name, p]) => [name, p.entry])),
  plugins: [
    {
      name: 'express-wsgi-shared',
      setup(b) {
        b.onResolve({ filter: /^\.\.?\/.*\.js$/ }, (args) => {
          if (!args.importer.startsWith(SRC)) {
            return undefined;
          }
          const path = join(dirname(args.importer), args.path).replace(/\.js$/, '.ts');
          if (!inMain.has(path)) {
            return undefined;
          }
          shared.add(relSrc(path));
          return { path: `${SHARED_PREFIX}${relSrc(path)}`, external: true };
        });
      },
    },
    plugin,
  ],
  outdir: DIST,
  entryNames: '[name]-[hash]',
  outExtension: { '.js': '.cjs' },
  metafile: true,
});
const partFiles = {};
const partSources = new Map();
for (const [path, output] of Object.entries(partOutputs.metafile.outputs)) {
  const part = Object.keys(PARTS).find((p) => output.entryPoint === relative(ROOT, PARTS[p].entry));
  partFiles[part] = basename(path);
  // A module of src/ in two bundles would be two modules (two UsageError classes, say).
  for (const input of Object.keys(output.inputs).map(srcPath)) {
    if (input.startsWith(SRC)) {
      const other = partSources.get(input);
      if (other) {
        throw new Error(
          `bundle: ${relSrc(input)} is in both ${other} and ${part}; share it through the main bundle`,
        );
      }
      partSources.set(input, part);
    }
  }
}

// 3. The main bundle, with the registry of what the parts require from it.
const registry = {
  name: 'express-wsgi-registry',
  setup(b) {
    b.onLoad({ filter: /.*/, namespace: 'shared' }, () => {
      const modules = [...shared].sort();
      return {
        resolveDir: SRC,
        loader: 'js',
        contents: [
          ...modules.map((m, i) => `import * as m${i} from ${JSON.stringify(join(SRC, m))};`),
          `export const SHARED = {${modules.map((m, i) => `${JSON.stringify(SHARED_PREFIX + m)}: m${i}`).join(', ')}};`,
        ].join('\n'),
      };
    });
  },
};
const { metafile } = await build({
  ...mainOptions(
    (part) =>
      `module.exports = __loadPart(${JSON.stringify(partFiles[part])}, require('express-wsgi-shared').SHARED);`,
    [registry],
  ),
  outdir: DIST,
  entryNames: '[name]-[hash]',
  outExtension: { '.js': '.cjs' },
  metafile: true,
});
const bundle = join(
  ROOT,
  Object.keys(metafile.outputs).find((path) => path.endsWith('.cjs')),
);
const name = basename(bundle);
const bundles = [bundle, ...Object.values(partFiles).map((file) => join(DIST, file))];

// Node's own modules that setup-server does not load otherwise are required on first use instead
// of when the module naming them initialises: node:crypto (https.ts's certificate checks), node:net
// (isIP, preflight's port check), node:child_process (discovery's apxs and pip probes) and the rest
// cost ~1-3 ms each to load, and most commands never call them. esbuild turns each named import of
// one into `import_node_X = require("node:X")` and every use into `import_node_X.name`, so a
// proxy that requires on the first property read keeps the meaning. Any other use of such a
// variable fails the build rather than silently loading early or breaking.
const LAZY = ['child_process', 'crypto', 'dgram', 'net', 'os', 'stream', 'stream/promises', 'tty', 'v8'];
const LAZY_HELPER = `function __lazyRequire(id) {
  let real;
  return new Proxy({}, { get: (_, key) => (real ??= require(id))[key] });
}`;
for (const file of bundles) {
  let source = readFileSync(file, 'utf8');
  const assignment = /\b(import_node_\w+) ?= ?require\("node:([\w/]+)"\)/g;
  const lazy = new Set();
  source = source.replace(assignment, (whole, variable, id) => {
    if (!LAZY.includes(id)) {
      return whole;
    }
    lazy.add(variable);
    return `${variable}=__lazyRequire("node:${id}")`;
  });
  // Allowed besides `import_node_x.name` and the assignment: declarations without a value, as in
  // esbuild's `var a,import_node_x,b;` or `var a,import_node_x,init_b=__esm(...)`.
  const checked = source.replace(/\bvar (?:[\w$]+,)*(?:[\w$]+;)?/g, 'var ');
  for (const variable of lazy) {
    if (new RegExp(`\\b${variable}\\b(?!\\.[\\w$]|=__lazyRequire\\()`).test(checked)) {
      throw new Error(`bundle: ${variable} is used other than as ${variable}.name; cannot load it lazily`);
    }
  }
  // The loader reads bundles as latin1, which is only right for ASCII (esbuild escapes the rest).
  const nonAscii = /[\u0080-\uffff]/.exec(source);
  if (nonAscii) {
    throw new Error(`bundle: ${basename(file)} has a non-ASCII character at ${nonAscii.index}`);
  }
  writeFileSync(file, `${LAZY_HELPER}\n${source}`);
}

// The loader, shared by dist/cli.js and the training runs: compiles a bundle with its code cache
// (FILE.cache, when there is one and this Node accepts it) and runs it as CommonJS would, passing
// __loadPart (loads a part next to it; `shared` answers its requires of `express-wsgi:PATH`).
// Bundles are ASCII (checked above), so read as latin1: no UTF-8 decoding. Node's modules come
// from process.getBuiltinModule: an ES module's `import ... from 'node:fs'` builds a facade of
// every export, and fs's ReadStream getter alone loads all of node:stream (~3 ms).
const LOADER = `const { readFileSync } = process.getBuiltinModule('node:fs');
const loadedBundles = new Map();
function runBundle(file, shared) {
  const source = readFileSync(file, 'latin1');
  let cachedData;
  try {
    cachedData = readFileSync(file + '.cache');
  } catch {
    // no cache (a training run failed): compile without one
  }
  const wrapped = \`(function (exports, require, module, __filename, __dirname, __loadPart) { \${source}\\n})\`;
  const script = new (process.getBuiltinModule('node:vm').Script)(wrapped, { filename: file, cachedData });
  loadedBundles.set(file, { script, shared });
  const module = { exports: {} };
  const nodeRequire = process.getBuiltinModule('node:module').createRequire(file);
  const require = shared ? (id) => (Object.hasOwn(shared, id) ? shared[id] : nodeRequire(id)) : nodeRequire;
  const dirname = file.slice(0, file.lastIndexOf('/'));
  const loadPart = (name, partShared) => runBundle(dirname + '/' + name, partShared);
  script.runInThisContext()(module.exports, require, module, file, dirname, loadPart);
  return module.exports;
}`;

// A code cache per bundle, each made by a training run: V8 deserialises a whole cache before
// running anything, so the main bundle's holds what setup-server runs and no more. The launcher's
// is trained by loading it only (a run would start Apache).
const CACHES = [
  // setup-server on the sample app
  { runs: (root, app) => [['setup-server', app, '--server-root', root]], save: [name] },
  // both help texts and a usage mistake; then the launcher, loaded
  {
    runs: () => [['--help'], ['start-server', '--help'], ['setup-server', '--no-such-option']],
    load: partFiles['cli-launch'],
    save: [partFiles['cli-yargs'], partFiles['cli-launch']],
  },
];
const scratch = mkdtempSync(join(tmpdir(), 'express-wsgi-train-'));
// Runs each command line in turn (process.exit held back) and writes the caches on the way out.
const TRAIN = `${LOADER}
const [file, runsJson, load, saveJson] = process.argv.slice(2);
const runs = JSON.parse(runsJson);
const save = JSON.parse(saveJson);
const exit = process.exit;
process.exit = () => {};
const next = () => {
  process.argv = [process.argv[0], file, ...runs.shift()];
  runBundle(file);
  if (runs.length) {
    // Work the run's beforeExit starts keeps the loop alive, so the next beforeExit comes after it.
    process.once('beforeExit', () => setImmediate(next));
  } else {
    process.once('exit', () => {
      if (load) {
        const shared = [...loadedBundles.values()].find((b) => b.shared)?.shared;
        runBundle(file.slice(0, file.lastIndexOf('/') + 1) + load, shared);
      }
      for (const [path, { script }] of loadedBundles) {
        if (save.includes(path.slice(path.lastIndexOf('/') + 1))) {
          process.getBuiltinModule('node:fs').writeFileSync(path + '.cache', script.createCachedData());
        }
      }
      exit(0);
    });
  }
};
next();
`;
writeFileSync(join(scratch, 'train.mjs'), TRAIN);
for (const { runs, load, save } of CACHES) {
  const trained = spawnSync(
    process.execPath,
    [
      join(scratch, 'train.mjs'),
      bundle,
      JSON.stringify(runs(join(scratch, 'root'), join(ROOT, 'fixtures/hello.wsgi'))),
      load ?? '',
      JSON.stringify(save),
    ],
    { cwd: scratch, stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' },
  );
  if (trained.status !== 0) {
    // Without a cache the command still works, only slower to start.
    process.stderr.write(
      `bundle: no cache for ${save.join(', ')} (the training run failed):\n${trained.stderr}\n`,
    );
    for (const file of save) {
      rmSync(join(DIST, `${file}.cache`), { force: true });
    }
  }
}

// The help texts dist/cli.js prints without yargs (src/options/stored-help.ts says when): what the
// bundle prints for `--help` and each `COMMAND --help` at each stored width, with stdout a pipe
// and the locale unset (so English). The terminal case gets its width as a terminal would give it.
// The commands and widths, from src/ as built here (read as if from dist/, like the bundle).
await build({
  ...bundled(JSON.stringify(pathToFileURL(join(DIST, 'build-facts.cjs')).href)),
  stdin: {
    contents: `export { COMMANDS } from './options/argv.js';
export { STORED_WIDTHS, helpWidth } from './options/stored-help.js';`,
    resolveDir: SRC,
    loader: 'ts',
  },
  outfile: join(scratch, 'build-facts.cjs'),
});
const { COMMANDS, STORED_WIDTHS, helpWidth } = createRequire(import.meta.url)(
  join(scratch, 'build-facts.cjs'),
);
const RENDER = `${LOADER}
const [file, columns, ...argv] = process.argv.slice(2);
if (columns) {
  Object.defineProperty(process.stdout, 'columns', { value: Number(columns) });
}
process.argv = [process.argv[0], file, ...argv];
runBundle(file);
`;
writeFileSync(join(scratch, 'render.mjs'), RENDER);
const renderEnv = { ...process.env };
for (const name of ['LC_ALL', 'LC_MESSAGES', 'LANG', 'LANGUAGE', 'YARGS_DISABLE_WRAP']) {
  delete renderEnv[name];
}
const storedHelp = {};
try {
  for (const width of STORED_WIDTHS) {
    storedHelp[width] = {};
    for (const command of ['', ...COMMANDS]) {
      const argv = command ? [command, '--help'] : ['--help'];
      const columns = width === helpWidth(undefined) ? '' : String(width);
      const rendered = spawnSync(process.execPath, [join(scratch, 'render.mjs'), bundle, columns, ...argv], {
        cwd: scratch,
        env: renderEnv,
        encoding: 'utf8',
        maxBuffer: 16 * 1024 * 1024,
      });
      if (rendered.status !== 0 || rendered.stderr || !rendered.stdout) {
        throw new Error(
          `${argv.join(' ')} at width ${width} (status ${rendered.status}):\n${rendered.stderr}`,
        );
      }
      storedHelp[width][command] = rendered.stdout;
    }
  }
  writeFileSync(`${bundle}.help.json`, JSON.stringify(storedHelp));
} catch (error) {
  // Without stored texts, yargs prints every help: slower, the same text.
  process.stderr.write(`bundle: no stored help: ${error.message}\n`);
  rmSync(`${bundle}.help.json`, { force: true });
}
rmSync(scratch, { recursive: true, force: true });

// src/options/stored-help.ts for the entry, where `require` gives Node's modules only.
const inlined = await build({
  entryPoints: [join(SRC, 'options/stored-help.ts')],
  bundle: true,
  write: false,
  format: 'iife',
  globalName: 'storedHelp',
  platform: 'node',
  target: 'node20',
  logLevel: 'warning',
  legalComments: 'none',
});
const STORED_HELP = `const storedHelp = ((require) => {
${inlined.outputFiles[0].text}return storedHelp;
})((id) => process.getBuiltinModule(id));`;

// First thing the entry does (issue 11, item 1): Node's default action for SIGUSR1 is to open its
// inspector on 127.0.0.1:9229, and whoever connects runs code as this process's user (root, for
// a server on port 80). A JS listener takes SIGUSR1 away from Node's own handler, so it is
// installed before anything else; an inspector a signal opened earlier still (Node's bootstrap,
// before this line runs) is closed now and once more when such a late start would have finished.
// SIGHUP and SIGUSR2 would end the process by default (item 6): caught here, they are recorded
// and src/early-signals.ts (same key) hands them to the launcher, which applies them once Apache
// can take them. INT and TERM keep their default until start-server holds them: before that
// nothing is written or running, and every other command must stay stoppable.
const SIGNAL_GUARD = `const early = (globalThis[Symbol.for('express-wsgi.early-signals')] = new Set());
for (const signal of ['SIGUSR1', 'SIGHUP', 'SIGUSR2']) process.on(signal, () => early.add(signal));
const closeInspector = () => {
  const inspector = process.getBuiltinModule('node:inspector');
  if (inspector.url()) inspector.close();
};
closeInspector();
setTimeout(closeInspector, 250).unref();`;

// The entry point, written last so that it never names a bundle not yet complete.
const ENTRY = `#!/usr/bin/env -S node --inspect-port=0.0.0.1:9229
// Generated by scripts/bundle.mjs. CommonJS (dist/package.json): cheaper to start than an ES module.
// The --inspect-port in the line above is an address no machine has: a SIGUSR1 during Node's own
// start-up, before the first line below can take it, makes Node try to open its inspector, which
// then fails ("address not available") instead of listening for anyone to run code as this user.
${SIGNAL_GUARD}
const args = process.argv.slice(2);
const entryUrl = process.getBuiltinModule('node:url').pathToFileURL(__filename);
${LOADER}
${STORED_HELP}
if (args.length === 1 && args[0] === '--version') {
  // What yargs would print: the version and a newline.
  const { version } = JSON.parse(readFileSync(new URL('../package.json', entryUrl), 'utf8'));
  process.stdout.write(version + '\\n');
} else if (!storedHelp.printStoredHelp(args, new URL(${JSON.stringify(`./${name}.help.json`)}, entryUrl))) {
  const { fileURLToPath } = process.getBuiltinModule('node:url');
  runBundle(fileURLToPath(new URL(${JSON.stringify(`./${name}`)}, entryUrl)));
}
`;
writeFileSync(join(DIST, 'cli.js.tmp'), ENTRY, { mode: 0o755 });
renameSync(join(DIST, 'cli.js.tmp'), join(DIST, 'cli.js'));

// The docs script, CommonJS like everything under dist/ (`node dist/docs.js`).
await build({ ...bundled(), entryPoints: [join(SRC, 'docs.ts')], outfile: join(DIST, 'docs.js') });

// What earlier builds wrote, removed only now: a command already running may still read it.
for (const entry of readdirSync(DIST, { withFileTypes: true })) {
  const current = bundles.some((file) => entry.name.startsWith(basename(file)));
  if ((BUILT.test(entry.name) && !current) || TSC_OUTPUT(entry)) {
    rmSync(join(DIST, entry.name), { recursive: true });
  }
}
