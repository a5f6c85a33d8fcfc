/**
 * A restart's connections, steered between the two generations by the server root's
 * steer-listeners.pl (templates/steer-listeners.pl.hbs says how): Node cannot attach a program to
 * a socket of another process, perl (essential on Debian) can. Best effort, as in apachectl: where
 * it cannot (no perl, a kernel or an account that does not allow it) the restart goes on as it
 * did before, a few connections reset at the switch.
 */
import { err } from '../log.js';
import { unsafeBecause } from '../server-root/unsafe.js';
import { loadExeca } from './spawn-apache.js';

/** Where the new connections go: 0 the running generation, 1 the one that replaces it. */
export type SteerTo = 0 | 1;

/** The queues' wait, plus perl's own start, bounds the run: it never holds a restart up longer. */
const SLACK_MS = 5_000;

/**
 * Runs `perl script pid to [drainS]`: resolves once done, whatever the outcome (the restart's
 * messages say what matters; this one has nothing a user could act on).
 */
export async function steerListeners(script: string, pid: number, to: SteerTo, drainS = 0): Promise<void> {
  // perl runs it as the launcher runs, root included: as apachectl does, a file someone else could
  // have changed is not run (adversarial pass: a world-writable one ran as root).
  const unsafe = unsafeBecause(script, process.getuid?.() ?? 0, 'file');
  if (unsafe) {
    if (to === 0) {
      err(`express-wsgi: this restart's connections are not steered: ${script} ${unsafe}.`);
    }
    return;
  }
  const execa = await loadExeca();
  const args = ['--', script, String(pid), String(to), ...(drainS > 0 ? [String(drainS)] : [])];
  await Promise.resolve(
    execa('perl', args, { reject: false, stdio: 'ignore', timeout: drainS * 1000 + SLACK_MS }),
  ).catch(() => undefined);
}
