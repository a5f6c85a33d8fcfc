// Bundles the shipped command into dist/cli.js (run after tsc, which type-checks and emits the rest
// of dist/ for dist/docs.js). Startup time is the point (issue 7):
// - one ESM bundle with code splitting: --version and --help load yargs and the option schema only;
//   setup-server adds the resolvers and the handlebars *runtime*; start-server adds execa;
// - every template precompiled (src/templates.ts is replaced), so no command loads the handlebars
//   compiler or reads templates/*.hbs;
// - string-width (yargs' help layout) answers plain ASCII itself instead of running its Unicode
//   regexes over every help line;
// - `import.meta.url` in each module keeps meaning the file tsc would have emitted (dist/X.js), so
//   paths like ../package.json and ../../docs resolve as they do unbundled.
//   node scripts/bundle.mjs
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

import { build } from 'esbuild';
import Handlebars from 'handlebars';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const SRC = join(ROOT, 'src');
const DIST = join(ROOT, 'dist');
const TEMPLATES = join(ROOT, 'templates');
const CHUNK = /^cli-.*-[A-Z0-9]{8}\.js$/;

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

// The entry point: `--version` alone is answered before yargs and the option schema load (what
// yargs would print: the version and a newline); everything else goes to src/cli.ts.
const ENTRY = `#!/usr/bin/env node
import { VERSION } from ${JSON.stringify(join(SRC, 'version.ts'))};
const args = process.argv.slice(2);
if (args.length === 1 && args[0] === '--version') {
  process.stdout.write(VERSION + '\\n');
} else {
  await import(${JSON.stringify(join(SRC, 'cli.ts'))});
}
`;

const plugin = {
  name: 'express-wsgi',
  setup(b) {
    b.onResolve({ filter: /^express-wsgi-entry$/ }, () => ({ path: 'cli', namespace: 'entry' }));
    b.onLoad({ filter: /.*/, namespace: 'entry' }, () => ({
      contents: ENTRY,
      loader: 'js',
      resolveDir: SRC,
    }));
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
      // Chunks are written flat into dist/, next to where tsc puts cli.js.
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
  entryPoints: { cli: 'express-wsgi-entry' },
  outdir: DIST,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  chunkNames: 'cli-[name]-[hash]',
  alias: { handlebars: 'handlebars/runtime' },
  // CommonJS dependencies bundled into ESM may call require() for Node's own modules.
  banner: {
    js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);",
  },
  plugins: [plugin],
  logLevel: 'warning',
  legalComments: 'none',
  metafile: true,
});
// Chunks of earlier builds, removed only now: a command already running may still import them.
const written = new Set(Object.keys(metafile.outputs).map((path) => join(ROOT, path)));
for (const name of readdirSync(DIST)) {
  if (CHUNK.test(name) && !written.has(join(DIST, name))) {
    rmSync(join(DIST, name));
  }
}
