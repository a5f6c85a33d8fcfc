/**
 * Apache's log format languages, checked before Apache sees them: an unknown %X makes configtest
 * fail, so a mistake is refused with a message instead (LogFormat: mod_log_config and mod_logio;
 * ErrorLogFormat: the core's error log).
 */

// %% | modifiers (conditions !200,304 and </>) | optional {argument} | a directive letter (or ^ti/^to)
const ACCESS_ITEM =
  /%(?:%|[<>!,\d]*(?:\{[^{}]*\})?[<>!,\d]*(?:\^t[io]|[aAbBCDefhHiklLmnopPqrRstTuUvVXIOS]))/g;
// %% | "% " (field separator) | flags - + | optional {argument} | a directive letter
const ERROR_ITEM = /%(?:%| |[-+]*(?:\{[^{}]*\})?[aAeEFiklLmMnPTtvV])/g;

export function accessLogFormatCheck(value: string): string | undefined {
  if (value === 'common' || value === 'combined') {
    return undefined;
  }
  return value.replace(ACCESS_ITEM, '').includes('%')
    ? 'common, combined, or a LogFormat string whose % items Apache knows (e.g. "%h %t \\"%r\\" %>s %b")'
    : undefined;
}

export function errorLogFormatCheck(value: string): string | undefined {
  // '+' (a per-request line) is only for the request log, which express-wsgi does not write.
  if (value.replace(ERROR_ITEM, '').includes('%') || /%-*\+/.test(value)) {
    return 'an ErrorLogFormat string whose % items Apache knows (e.g. "[%t] [%l] %M")';
  }
  return /%[-+]*(\{[^{}]*\})?M/.test(value)
    ? undefined
    : 'an ErrorLogFormat string that contains the message, %M';
}
