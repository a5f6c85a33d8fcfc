/**
 * The debugging tools of debug mode (src/resolve/debug-mode.ts decides the mode): pdb, coverage,
 * the profiler, the request recorder and gdb.
 */
import { dirname, join, resolve as resolvePath } from 'node:path';

import type { ExtraDirectory, FeatureInput } from '../../config.js';
import { badValue, UsageError } from '../../errors.js';
import { debugModeOf } from '../../resolve/debug-mode.js';
import { isDirectory } from '../../resolve/files.js';
import { findProgram } from '../../resolve/programs.js';
import { requirePackage } from './python.js';
import type { DebugTools, Gdb } from './types.js';

/** A directory the debugging tools write to: created (and given to the app's account) if missing. */
function outputDirectory(
  option: string,
  given: string | undefined,
  fallback: string,
  input: FeatureInput,
  warnings: string[],
): string {
  if (given === undefined) {
    return fallback;
  }
  const path = resolvePath(input.ctx.cwd, given);
  const { host } = input.ctx;
  const st = host.stat(path);
  if (st && st.kind !== 'directory') {
    throw badValue(option, given, 'a directory (it is a file)');
  }
  if (!st && !isDirectory(host, dirname(path))) {
    throw badValue(option, given, `a directory whose parent exists (${dirname(path)} does not)`);
  }
  const { core } = input;
  if (st && core.startedAsRoot && st.uid !== core.user.id && !(st.mode & 0o002)) {
    warnings.push(
      `${path} (--${option}) may not be writable by ${core.user.name}, the account the application runs as.`,
    );
  }
  return path;
}

export function debugOf(
  input: FeatureInput,
  warnings: string[],
  directories: ExtraDirectory[],
): { debug: DebugTools | undefined; gdb: Gdb | undefined } {
  const { opts, core, ctx } = input;
  if (opts.debuggerStartup && !opts.enableDebugger) {
    throw new UsageError('--debugger-startup requires --enable-debugger');
  }
  for (const [given, option, needs] of [
    [opts.coverageDirectory, 'coverage-directory', 'enable-coverage'],
    [opts.profilerDirectory, 'profiler-directory', 'enable-profiler'],
    [opts.recorderDirectory, 'recorder-directory', 'enable-recorder'],
    [opts.gdbExecutable !== 'gdb' ? opts.gdbExecutable : undefined, 'gdb-executable', 'enable-gdb'],
  ] as const) {
    const enabled = {
      'enable-coverage': opts.enableCoverage,
      'enable-profiler': opts.enableProfiler,
      'enable-recorder': opts.enableRecorder,
      'enable-gdb': opts.enableGdb,
    }[needs];
    if (given !== undefined && !enabled) {
      warnings.push(`--${option} has no effect without --${needs}.`);
    }
  }
  if (!debugModeOf(opts)) {
    return { debug: undefined, gdb: undefined };
  }
  const tools = (
    [
      [opts.enableDebugger, 'enable-debugger'],
      [opts.enableCoverage, 'enable-coverage'],
      [opts.enableProfiler, 'enable-profiler'],
      [opts.enableRecorder, 'enable-recorder'],
    ] as const
  ).filter(([on]) => on);
  if (!core.app && tools.length) {
    throw new UsageError(
      `--${tools[0]?.[1]} needs a WSGI application; --application-type static serves files only.`,
    );
  }
  if (opts.processes !== undefined || opts.threads !== undefined) {
    warnings.push(
      '--processes and --threads are ignored in debug mode: Apache runs one process with one thread.',
    );
  }
  const root = core.paths.serverRoot;
  const dir = (on: boolean, option: string, given: string | undefined, name: string) => {
    if (!on) {
      return undefined;
    }
    const path = outputDirectory(option, given, join(root, name), input, warnings);
    directories.push({ path, mode: 0o755, owned: true });
    return path;
  };
  if (opts.enableCoverage) {
    requirePackage('enable-coverage', 'coverage', 'coverage', 'python3-coverage', input);
  }
  let gdb: Gdb | undefined;
  if (opts.enableGdb) {
    const executable = findProgram(opts.gdbExecutable, ctx, ['/usr/bin', '/usr/local/bin']);
    if (!executable) {
      throw badValue(
        'gdb-executable',
        opts.gdbExecutable,
        'an executable gdb, a name on PATH or a path (on Debian: apt-get install gdb)',
      );
    }
    gdb = { executable, commands: join(root, 'gdb.cmds') };
  }
  const coverageDirectory = dir(opts.enableCoverage, 'coverage-directory', opts.coverageDirectory, 'htmlcov');
  const profilerDirectory = dir(opts.enableProfiler, 'profiler-directory', opts.profilerDirectory, 'pstats');
  const recorderDirectory = dir(opts.enableRecorder, 'recorder-directory', opts.recorderDirectory, 'archive');
  const debug = {
    debugger: opts.enableDebugger,
    debuggerStartup: opts.debuggerStartup,
    coverageDirectory,
    profilerDirectory,
    recorderDirectory,
    wrapsApp: Boolean(opts.enableDebugger || coverageDirectory || profilerDirectory || recorderDirectory),
  };
  return { debug, gdb };
}
