/** The end of Apache's error log since start-up: what explains a failed start or a failed import. */
import { closeSync, fstatSync, openSync, readSync, statSync } from 'node:fs';

/** How long the log is now: where what this start writes begins. */
export function sizeOf(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}

/** The lines written to `path` after `offset`, at most its last `maxBytes`; none if unreadable. */
export function linesSince(path: string, offset: number, maxBytes: number): string[] {
  try {
    const fd = openSync(path, 'r');
    try {
      const size = fstatSync(fd).size;
      const length = Math.min(size - offset, maxBytes);
      if (length <= 0) {
        return [];
      }
      const buffer = Buffer.alloc(length);
      readSync(fd, buffer, 0, length, size - length);
      return buffer.toString('utf8').split('\n');
    } finally {
      closeSync(fd);
    }
  } catch {
    return [];
  }
}

/** What Apache wrote to a log file since `offset`: its last non-empty lines. */
export function tailSince(path: string, offset: number, maxLines = 20): string[] {
  return linesSince(path, offset, 64 * 1024)
    .filter(Boolean)
    .slice(-maxLines);
}
