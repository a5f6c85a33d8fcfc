/**
 * Whether a restart's new generation has loaded the application (issue 17, item 2). Its daemons
 * start their request threads whether or not the import succeeded, so "serving"
 * (src/launch/daemons.ts#generationServing) alone counted a restart onto an application that fails
 * to import as done, and the old generation, which served, was stopped. When the configuration
 * imports the application at start (WSGIImportScript), the error log since the restart began
 * says how the import went: the handler's markers, mod_wsgi's traceback, a daemon that died
 * (src/launch/load-failure.ts reads them, as start-up's watch does).
 *
 * Only the new generation's processes count: the old one's daemons may restart meanwhile and
 * write the same lines. Each generation is a process group of its own, led by its Apache
 * parent (src/launch/spawn-apache.ts), and every process it forks stays in it.
 */
import { explainLoadFailure, importState } from './load-failure.js';

export type GenerationLoad =
  /** `pending`: the import under way, if its marker is logged yet. */
  | { readonly state: 'loading'; readonly pending?: { file: string; pid: number } }
  | { readonly state: 'loaded' }
  | { readonly state: 'failed'; readonly why: readonly string[] };

/** The pid in a line's prefix, `[pid N:tid M]`: the process that wrote it. */
const prefixPid = (line: string) => /^\[[^\]]*\] \[[^\]]*\] \[pid (\d+)/.exec(line)?.[1];

/** The pids a line is about: its prefix's and every `(pid=N)` in its message. */
function pidsOf(line: string): number[] {
  const prefix = prefixPid(line);
  const named = [...line.matchAll(/\(pid=(\d+)\)/g)].map((m) => Number(m[1]));
  return [...(prefix === undefined ? [] : [Number(prefix)]), ...named];
}

export interface LoadSeams {
  /** The process group of a running process; undefined once it is gone. */
  readonly groupOf: (pid: number) => number | undefined;
  readonly alive: (pid: number) => boolean;
}

/**
 * Reads the new generation's (`leader`'s group) load out of the error-log lines since the restart
 * began. `groups` remembers each pid's group from the first time it was seen, since a daemon that
 * died is no longer there to ask; one gone before it was ever seen counts as the new generation's
 * (a daemon that dies while importing is what it most likely was).
 */
export function generationLoad(
  lines: readonly string[],
  leader: number,
  groups: Map<number, number | undefined>,
  seams: LoadSeams,
  awaitImport = false,
): GenerationLoad {
  const ours = (pid: number) => {
    if (!groups.has(pid)) {
      groups.set(pid, seams.groupOf(pid));
    }
    const group = groups.get(pid);
    return group === undefined || group === leader;
  };
  // A line about another generation's process goes; one naming no pid (a traceback's text under
  // an ErrorLogFormat without one) stays, as the traceback needs it.
  const mine = lines.filter((line) => line !== '' && pidsOf(line).every(ours));
  // Each process's own lines: two daemons importing side by side interleave their tracebacks.
  const writers = [...new Set(mine.map(prefixPid))];
  const failure = writers
    .map((pid) => explainLoadFailure(mine.filter((line) => [pid, undefined].includes(prefixPid(line)))))
    .find((explained) => explained !== undefined);
  if (failure) {
    return { state: 'failed', why: failure };
  }
  const state = importState(mine, seams.alive);
  if (state.exited) {
    return {
      state: 'failed',
      why: [`${state.exited.file} stopped its own import: ${state.exited.detail}`],
    };
  }
  // As start-up's watch (src/launch/load-watch.ts): one daemon gone without a word may be mod_wsgi
  // replacing it; a second, or a status logged, is an import that kills its process.
  if (state.died && (state.died.restarts > 1 || state.died.code !== undefined)) {
    const how = state.died.code === undefined ? 'died' : `died (status or signal ${state.died.code})`;
    return {
      state: 'failed',
      why: [
        `the daemon process (pid ${state.died.pid}) importing ${state.died.file} ${how} before the import finished`,
      ],
    };
  }
  // No import under way: it finished, or the application is imported at its first request, or the
  // markers are not logged (a --log-level above error). A daemon starts its request threads only
  // once its import scripts have run, so with the generation serving, none is still to come.
  // With `awaitImport` (imported at start, markers logged), not before one import has finished: under
  // load the generation was seen serving before its daemons' markers and traceback were read, and a
  // restart onto an application that fails to import replaced the old one (CI, load average 9).
  if (state.pending || (awaitImport && !state.imported)) {
    return { state: 'loading', ...(state.pending && { pending: state.pending }) };
  }
  return { state: 'loaded' };
}
