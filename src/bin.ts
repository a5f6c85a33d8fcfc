/**
 * The installed command, dist/cli.js (scripts/bundle.mjs bundles this file alone, small so that
 * it starts fast): guards against early signals, answers `--version` and the stored help texts
 * (src/options/stored-help.ts says when they apply) itself, and leaves everything else to the
 * bundle of src/cli.ts, loaded only then (with its code cache: src/code-cache.ts).
 */
import { fileURLToPath } from 'node:url';

import { runBundle } from './code-cache.js';
import { printStoredHelp } from './options/stored-help.js';

/** The bundle of src/cli.ts and its stored help texts, beside this file (scripts/bundle.mjs names them). */
declare const MAIN_BUNDLE: string;
declare const STORED_HELP_FILE: string;

// First thing (issue 11, item 1): Node's default action for SIGUSR1 is to open its inspector on
// 127.0.0.1:9229, and whoever connects runs code as this process's user (root, for a server on
// port 80). A JS listener takes SIGUSR1 away from Node's own handler, so it is installed before
// anything else; an inspector a signal opened earlier still (Node's bootstrap, before this line
// runs) is closed now and once more when such a late start would have finished. The
// --inspect-port in dist/cli.js's #! line is an address no machine has: a SIGUSR1 during Node's
// own start-up makes Node try to open its inspector there, which fails instead of listening.
// SIGHUP and SIGUSR2 would end the process by default (item 6): caught here, they are recorded
// and src/launch/early-signals.ts (same key) hands them to the launcher, which applies them once Apache
// can take them. INT and TERM keep their default until start-server holds them: before that
// nothing is written or running, and every other command must stay stoppable.
const early = new Set<string>();
(globalThis as Record<symbol, Set<string>>)[Symbol.for('express-wsgi.early-signals')] = early;
for (const signal of ['SIGUSR1', 'SIGHUP', 'SIGUSR2'] as const) {
  process.on(signal, () => early.add(signal));
}
const closeInspector = () => {
  const inspector = process.getBuiltinModule('node:inspector');
  if (inspector.url()) {
    inspector.close();
  }
};
closeInspector();
setTimeout(closeInspector, 250).unref();

const args = process.argv.slice(2);
if (args.length === 1 && args[0] === '--version') {
  // What yargs would print: the version and a newline.
  void import('./version.js').then(({ VERSION }) => process.stdout.write(`${VERSION}\n`));
} else if (!printStoredHelp(args, new URL(STORED_HELP_FILE, import.meta.url))) {
  runBundle(fileURLToPath(new URL(MAIN_BUNDLE, import.meta.url)));
}
