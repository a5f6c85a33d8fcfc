/**
 * Runs a CommonJS bundle as Node's require() would, but compiled with a V8 code cache made by the
 * build (vm.Script's documented `cachedData`, in FILE.cache beside it): most of V8's compiling of
 * the command line is then skipped (issue 13 item 6 measures what that is worth). A cache is used
 * only when this Node (V8 version and flags) accepts it; otherwise the bundle compiles as usual.
 * It is never written at run time, so dist/ may be read-only. The bundles beside it that it
 * requires (`./NAME.cjs`: the libraries only some commands use) are run the same way.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { Script } from 'node:vm';

const loaded = new Map<string, { script: Script; exports: unknown }>();

/** FILE compiled, with FILE.cache when there is one (`cachedDataRejected` says whether V8 took it). */
export function compileBundle(file: string): Script {
  let cachedData: Buffer | undefined;
  try {
    cachedData = readFileSync(`${file}.cache`);
  } catch {
    // no cache (the build could not make one): compile without
  }
  // The wrapper on a line of its own, not counted, so that stack traces name the bundle's lines.
  const source = `(function (exports, require, module, __filename, __dirname) {\n${readFileSync(file, 'utf8')}\n})`;
  return new Script(source, { filename: file, lineOffset: -1, cachedData });
}

/** Runs FILE once (later calls give the same exports), as require() would run a CommonJS file. */
export function runBundle(file: string): unknown {
  const done = loaded.get(file);
  if (done) {
    return done.exports;
  }
  const script = compileBundle(file);
  const module = { exports: {} };
  loaded.set(file, { script, exports: module.exports });
  const nodeRequire = createRequire(file);
  const bundleRequire = Object.assign(
    (id: string) => (/^\.\/[\w-]+\.cjs$/.test(id) ? runBundle(join(dirname(file), id)) : nodeRequire(id)),
    { resolve: nodeRequire.resolve, cache: nodeRequire.cache },
  );
  const wrapper = script.runInThisContext() as (...args: unknown[]) => void;
  wrapper.call(module.exports, module.exports, bundleRequire, module, file, dirname(file));
  loaded.set(file, { script, exports: module.exports });
  return module.exports;
}

/** The build's training runs: writes the caches of the bundles named, holding every function compiled so far. */
export function saveCodeCaches(names: readonly string[]): void {
  for (const [file, { script }] of loaded) {
    if (names.some((name) => file.endsWith(`/${name}`))) {
      writeFileSync(`${file}.cache`, script.createCachedData());
    }
  }
}
