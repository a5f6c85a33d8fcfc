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
