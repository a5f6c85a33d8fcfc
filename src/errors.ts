/** A mistake in what the user asked for: reported in one line, exit status 2, nothing written. */
export class UsageError extends Error {
  readonly exitCode = 2;
}

/** Something missing or broken on this machine (no Apache, no mod_wsgi, …): exit status 1. */
export class EnvironmentError extends Error {
  readonly exitCode = 1;
}

/** The message for an option value: names the option, shows the bad value, says what is valid. */
export function badValue(option: string, value: unknown, valid: string): UsageError {
  return new UsageError(`--${option}: ${JSON.stringify(value)} is not valid; expected ${valid}.`);
}
