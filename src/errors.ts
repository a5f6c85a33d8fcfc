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

// Plain words for what the machine refused; the code stays in brackets for searching.
const CAUSES: Readonly<Record<string, string>> = {
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EROFS: 'the file system is read-only',
  ENOSPC: 'no space left on the device',
  EDQUOT: 'the disk quota is exhausted',
  ENAMETOOLONG: 'the name is too long for the file system',
  ENOENT: 'no such file or directory',
  ENOTDIR: 'a part of the path is not a directory',
  EISDIR: 'it is a directory',
  EEXIST: 'it exists already',
  ENOTEMPTY: 'the directory is not empty',
  EMFILE: 'too many open files',
  EIO: 'an input/output error',
  ELOOP: 'too many symbolic links',
};

/** A Node file-system error (it has a code and a syscall), as opposed to a bug. */
export function isFileSystemError(error: unknown): error is NodeJS.ErrnoException {
  const e = error as NodeJS.ErrnoException | undefined;
  return (
    e instanceof Error &&
    typeof e.code === 'string' &&
    typeof e.syscall === 'string' &&
    /^E[A-Z]+$/.test(e.code)
  );
}

/** One sentence naming the path and the cause: a machine failure, exit status 1, no stack trace. */
export function fileSystemError(error: NodeJS.ErrnoException): EnvironmentError {
  const reads = ['read', 'stat', 'lstat', 'scandir', 'readlink', 'access', 'realpath'];
  const doing = reads.includes(error.syscall ?? '') ? 'cannot read' : 'cannot write';
  const code = error.code ?? 'EIO';
  const cause = CAUSES[code] ?? error.message.replace(/^[A-Z]+: /, '').replace(/, \w+ .*$/, '');
  const path = error.path ?? (error as { dest?: string }).dest;
  return new EnvironmentError(`${doing} ${path ? JSON.stringify(path) : 'a file'}: ${cause} (${code}).`);
}
