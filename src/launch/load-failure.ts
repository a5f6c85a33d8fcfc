/**
 * Finds "the application failed to import" in what mod_wsgi wrote to the error log, and says it in
 * a few plain lines: mod_wsgi itself logs a 20-line traceback, prefixed, among everything else.
 */

// [date] [wsgi:error] [pid 1:tid 2] [remote 127.0.0.1:5] message
const PREFIX = /^\[[^\]]*\] \[[^\]]*\] \[pid [^\]]*\] (?:\[(?:remote|client) [^\]]*\] )?/;

export function explainLoadFailure(logLines: readonly string[]): string[] | undefined {
  const messages = logLines.map((l) => l.replace(PREFIX, ''));
  const failed = messages.findIndex((m) => /mod_wsgi \(pid=\d+\): Failed to exec Python script file/.test(m));
  if (failed < 0) {
    return undefined;
  }
  const start = messages.findIndex(
    (m, i) => i > failed && m.startsWith('Traceback (most recent call last):'),
  );
  if (start < 0) {
    return undefined;
  }
  let lastFrame: string | undefined;
  for (let i = start + 1; i < messages.length; i++) {
    const m = messages[i] as string;
    const frame = /^ {2}File "([^"]+)", line (\d+)/.exec(m);
    if (frame) {
      lastFrame = `${frame[1]}, line ${frame[2]}`;
    } else if (!m.startsWith(' ')) {
      // The first unindented line after the frames is "ExceptionType: message".
      return [m, ...(lastFrame ? [`  at ${lastFrame}`] : [])];
    }
  }
  return undefined;
}

/** What the generated handler (handler.wsgi.hbs) writes around importing the application. */
const MARKER = /^express-wsgi \(pid=(\d+)\): (importing|imported|exited) (.*)$/;
// mod_wsgi's daemon supervisor, at LogLevel info: the number is the signal, or the exit status.
const DIED = /^mod_wsgi \(pid=(\d+)\): Process '[^']*' (?:terminated by signal|has died)(?: (\d+))?/;

export interface ImportState {
  /** A daemon that died while importing: the file, its pid, and the status/signal if logged. */
  readonly died?: { file: string; pid: number; code?: number; restarts: number };
  /** sys.exit() during the import: the file and the message the handler wrote. */
  readonly exited?: { file: string; detail: string };
  /** The newest import still going on: its pid and file. */
  readonly pending?: { file: string; pid: number };
  /** Whether any import finished. */
  readonly imported: boolean;
}

/** Reads the handler's import markers and mod_wsgi's "has died" lines out of error-log lines. */
export function importState(logLines: readonly string[], alive: (pid: number) => boolean): ImportState {
  const started = new Map<number, string>();
  const finished = new Set<number>();
  const codes = new Map<number, number>();
  const dead = new Set<number>();
  let exited: ImportState['exited'];
  let last: number | undefined;
  for (const line of logLines) {
    const m = line.replace(PREFIX, '');
    const marker = MARKER.exec(m);
    if (marker) {
      const pid = Number(marker[1]);
      const what = marker[3] as string;
      if (marker[2] === 'importing') {
        started.set(pid, what);
        last = pid;
      } else if (marker[2] === 'imported') {
        finished.add(pid);
      } else {
        exited ??= { file: started.get(pid) ?? '', detail: what };
      }
      continue;
    }
    const died = DIED.exec(m);
    if (died) {
      const pid = Number(died[1]);
      dead.add(pid);
      if (died[2] !== undefined) {
        codes.set(pid, Number(died[2]));
      }
    }
  }
  // Died mid-import: logged as dead, or gone (several daemons import side by side, so a newer
  // marker alone proves nothing).
  const diedPids = [...started.keys()].filter((p) => !finished.has(p) && (dead.has(p) || !alive(p)));
  const first = diedPids[0];
  const died =
    first === undefined
      ? undefined
      : { file: started.get(first) as string, pid: first, code: codes.get(first), restarts: diedPids.length };
  const pending =
    last !== undefined && !finished.has(last) && !dead.has(last) && alive(last)
      ? { file: started.get(last) as string, pid: last }
      : undefined;
  return { died, exited, pending, imported: finished.size > 0 };
}
