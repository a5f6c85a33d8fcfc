/** The one place that writes to the terminal, so commands stay testable and lint can ban console. */
import { writeSync } from 'node:fs';

// Lines go to the file descriptors directly: process.stdout and process.stderr are streams whose
// construction loads node:net and node:stream (~3 ms of a setup-server). Once a write fails (EAGAIN
// on a full non-blocking pipe, EPIPE on a closed one), that line's rest and every later line of
// both go through the streams instead, so lines stay in order and errors surface as they did.
let viaStreams = false;

function write(fd: 1 | 2, text: string): void {
  const line = text.endsWith('\n') ? text : `${text}\n`;
  if (!viaStreams) {
    const bytes = Buffer.from(line);
    let done = 0;
    try {
      while (done < bytes.length) {
        done += writeSync(fd, bytes, done);
      }
      return;
    } catch {
      viaStreams = true;
      (fd === 1 ? process.stdout : process.stderr).write(bytes.subarray(done));
      return;
    }
  }
  (fd === 1 ? process.stdout : process.stderr).write(line);
}

export const out = (text: string): void => write(1, text);
export const err = (text: string): void => write(2, text);
