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

const { metafile } = await build({
  ...bundled(),
  entryPoints: { 'cli-main': join(SRC, 'cli.ts') },
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
{
  let source = readFileSync(bundle, 'utf8');
  const assignment = /\b(import_node_\w+) = require\("node:([\w/]+)"\);/g;
  const lazy = new Set();
  source = source.replace(assignment, (whole, variable, id) => {
    if (!LAZY.includes(id)) {
      return whole;
    }
    lazy.add(variable);
    return `${variable} = __lazyRequire("node:${id}");`;
  });
  // Allowed besides `import_node_x.name` and the assignment: esbuild's `var a, import_node_x, b;`.
  const checked = source.replace(/^\s*var [\w$, ]+;$/gm, '');
  for (const variable of lazy) {
    if (new RegExp(`\\b${variable}\\b(?!\\.[\\w$]| = __lazyRequire\\()`).test(checked)) {
      throw new Error(`bundle: ${variable} is used other than as ${variable}.name; cannot load it lazily`);
    }
  }
  writeFileSync(bundle, `${LAZY_HELPER}\n${source}`);
}

// The loader, shared by dist/cli.js and the training runs: compiles the bundle with a code cache
// and runs it as CommonJS would. Returns the script, for createCachedData(). Node's modules come
// from process.getBuiltinModule: an ES module's `import ... from 'node:fs'` builds a facade of
// every export, and fs's ReadStream getter alone loads all of node:stream (~3 ms).
const LOADER = `const { readFileSync } = process.getBuiltinModule('node:fs');
function runBundle(file, cachedData) {
  const source = readFileSync(file, 'utf8');
  const wrapped = \`(function (exports, require, module, __filename, __dirname) { \${source}\\n})\`;
  const script = new (process.getBuiltinModule('node:vm').Script)(wrapped, { filename: file, cachedData });
  const module = { exports: {} };
  const require = process.getBuiltinModule('node:module').createRequire(file);
  const dirname = process.getBuiltinModule('node:path').dirname(file);
  script.runInThisContext()(module.exports, require, module, file, dirname);
  return script;
}`;

// Two caches, each made by a training run of its own: V8 deserialises a whole cache before running
// anything, so the server commands' cache leaves out yargs and the help text (~40% of it), which
// only help, usage mistakes and the rarer commands (the second cache) need. Either cache fits the
// bundle; choosing the other one only costs time.
const CACHES = {
  // setup-server on the sample app
  cache: (root, app) => [['setup-server', app, '--server-root', root]],
  // both help texts, and a usage mistake
  'help.cache': () => [['--help'], ['start-server', '--help'], ['setup-server', '--no-such-option']],
};
const scratch = mkdtempSync(join(tmpdir(), 'express-wsgi-train-'));
// Runs each command line in turn (process.exit held back) and writes the cache on the way out.
const TRAIN = `${LOADER}
const [file, cache, runsJson] = process.argv.slice(2);
const runs = JSON.parse(runsJson);
const exit = process.exit;
process.exit = () => {};
let script;
const next = () => {
  process.argv = [process.argv[0], file, ...runs.shift()];
  script = runBundle(file);
  if (runs.length) {
    // Work the run's beforeExit starts keeps the loop alive, so the next beforeExit comes after it.
    process.once('beforeExit', () => setImmediate(next));
  } else {
    process.once('exit', () => {
      process.getBuiltinModule('node:fs').writeFileSync(cache, script.createCachedData());
      exit(0);
    });
  }
};
next();
`;
writeFileSync(join(scratch, 'train.mjs'), TRAIN);
for (const [suffix, runs] of Object.entries(CACHES)) {
  const trained = spawnSync(
    process.execPath,
    [
      join(scratch, 'train.mjs'),
      bundle,
      `${bundle}.${suffix}`,
      JSON.stringify(runs(join(scratch, 'root'), join(ROOT, 'fixtures/hello.wsgi'))),
    ],
    { cwd: scratch, stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' },
  );
  if (trained.status !== 0) {
    // Without a cache the command still works, only slower to start.
    process.stderr.write(`bundle: no ${suffix} (the training run failed):\n${trained.stderr}\n`);
    rmSync(`${bundle}.${suffix}`, { force: true });
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

// The entry point, written last so that it never names a bundle not yet complete.
const ENTRY = `#!/usr/bin/env node
// Generated by scripts/bundle.mjs. CommonJS (dist/package.json): cheaper to start than an ES module.
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
  const file = fileURLToPath(new URL(${JSON.stringify(`./${name}`)}, entryUrl));
  // The server commands' cache unless the line asks for help or is no server command at all.
  const server =
    ['start-server', 'setup-server', 'django'].includes(args[0]) &&
    !args.some((a) => a === '--help' || a === '-h');
  let cachedData;
  try {
    cachedData = readFileSync(file + (server ? '.cache' : '.help.cache'));
  } catch {
    // no cache (a training run failed): compile without one
  }
  runBundle(file, cachedData);
}
`;
writeFileSync(join(DIST, 'cli.js.tmp'), ENTRY, { mode: 0o755 });
renameSync(join(DIST, 'cli.js.tmp'), join(DIST, 'cli.js'));

// The docs script, CommonJS like everything under dist/ (`node dist/docs.js`).
await build({ ...bundled(), entryPoints: [join(SRC, 'docs.ts')], outfile: join(DIST, 'docs.js') });

// What earlier builds wrote, removed only now: a command already running may still read it.
for (const entry of readdirSync(DIST, { withFileTypes: true })) {
  if ((BUILT.test(entry.name) && !entry.name.startsWith(`${name}`)) || TSC_OUTPUT(entry)) {
    rmSync(join(DIST, entry.name), { recursive: true });
  }
}
