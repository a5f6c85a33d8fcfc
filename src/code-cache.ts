/**
 * Runs a CommonJS bundle as Node's require() would, but compiled with a V8 code cache made by the
 * build (vm.Script's documented `cachedData`, in FILE.cache beside it): most of V8's compiling of
 * the command line's bundle is then skipped (issue 13 item 6 measures what that is worth). The
 * cache is used only when this Node (V8 version and flags) accepts it; otherwise the bundle
 * compiles as usual. It is never written at run time, so dist/ may be read-only.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { Script } from 'node:vm';

const loaded: { file: string; script: Script }[] = [];

export function runBundle(file: string): void {
  let cachedData: Buffer | undefined;
  try {
    cachedData = readFileSync(`${file}.cache`);
  } catch {
    // no cache (the build could not make one): compile without
  }
  // The wrapper on a line of its own, not counted, so that stack traces name the bundle's lines.
  const source = `(function (exports, require, module, __filename, __dirname) {\n${readFileSync(file, 'utf8')}\n})`;
  const script = new Script(source, { filename: file, lineOffset: -1, cachedData });
  loaded.push({ file, script });
  const module = { exports: {} };
  const wrapper = script.runInThisContext() as (...args: unknown[]) => void;
  wrapper.call(module.exports, module.exports, createRequire(file), module, file, dirname(file));
}

/** The build's training run: writes each bundle's cache, holding every function compiled so far. */
export function saveCodeCaches(): void {
  for (const { file, script } of loaded) {
    writeFileSync(`${file}.cache`, script.createCachedData());
  }
}
