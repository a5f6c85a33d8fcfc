/**
 * Issue 17: restarts that lose nothing. Apache's own restarts (HUP, USR1) make mod_wsgi unlink its
 * daemon sockets while Apache rereads its configuration and stop the daemons with requests queued,
 * and a connection kept alive across a graceful restart is relayed by an old child to a new daemon
 * (HTTP 500). So the launcher never passes them on: it starts a new, complete Apache (a
 * generation: its own parent, pid file, mod_wsgi daemons and their sockets, which mod_wsgi names
 * after the parent's pid) from the server root as it is now, listening on the same port beside the
 * old one (SO_REUSEPORT), waits until it serves, and then stops the old one gracefully (SIGWINCH),
 * whose requests in flight and kept-alive connections finish on its own daemons.
 *
 * A new generation that cannot serve changes nothing (issue 17, item 2): before it starts, the
 * ports its configuration asks for get start-up's check (src/launch/listen-check.ts); once it
 * runs, it must load the application too (src/launch/generation-load.ts); otherwise it is stopped
 * and the old one serves on, the launcher with it.
 */
import { join } from 'node:path';

import type { ServerConfig } from '../config.js';
import type { Where } from './failure-report.js';
import { type GenerationLoad, generationLoad } from './generation-load.js';
import { describeAddress, type ListenAddress, listenAddresses, refusedAddress } from './listen-check.js';
import type { ApacheChild } from './spawn-apache.js';
import type { SteerTo } from './steer.js';
import type { Clock, Timers } from './timers.js';

export type ChildEnd = Awaited<ApacheChild>;

export interface Generation {
  /** 0 for the one start-server started, then 1, 2, ... */
  readonly n: number;
  readonly pid: number | undefined;
  /** Its own pid file, which its Apache writes and removes on a clean stop. */
  readonly pidFile: string;
  /** What its configuration listens on, read as it started (src/launch/listen-check.ts). */
  readonly listens: readonly ListenAddress[];
  readonly end: Promise<ChildEnd>;
  exited(): boolean;
}

export interface GenerationSeams {
  /** Starts `apachectl start -DFOREGROUND` with these httpd arguments (src/launch/spawn-apache.ts). */
  readonly spawn: (httpdArgs: readonly string[]) => ApacheChild;
  readonly exists: (path: string) => boolean;
  readonly kill: (pid: number, signal: NodeJS.Signals) => void;
  readonly stopDaemons: (apachePid: number) => void;
  /** src/launch/daemons.ts#generationServing */
  readonly serving: (apachePid: number) => boolean;
  readonly writePidFile: (path: string, pid: number) => void;
  /** How long the error log is now (src/launch/log-tail.ts#sizeOf). */
  readonly logSize: (path: string) => number;
  /** The error log's lines after an offset (src/launch/log-tail.ts#linesSince). */
  readonly logLines: (path: string, offset: number) => string[];
  /** A file's text, undefined when it cannot be read (the configuration's Listen lines). */
  readonly readFile: (path: string) => string | undefined;
  /** Start-up's port check (src/launch/preflight.ts#checkPortFree): rejects with a plain message. */
  readonly portFree: (host: string | undefined, port: number, option: string) => Promise<void>;
  /** The process group of a running process (src/launch/proc.ts#processGroupOf). */
  readonly groupOf: (pid: number) => number | undefined;
  readonly alive: (pid: number) => boolean;
  /** A full disk, when it explains a failed start (src/launch/failure-report.ts#diskFullExplains). */
  readonly diskFull: (where: Where) => string | undefined;
  readonly removePidFile: (path: string, pid: number | undefined) => void;
  readonly removeFile: (path: string) => void;
  /** Only this generation's process group: its siblings of the same server root run on. */
  readonly killGroup: (pgid: number) => Promise<number[]>;
  /** Where new connections go, by the running Apache's pid (src/launch/steer.ts); best effort. */
  readonly steer: (script: string, pid: number, to: SteerTo, drainS?: number) => Promise<void>;
  /** How many CPUs are online, as Apache counts them (sysconf _SC_NPROCESSORS_ONLN). */
  readonly cores: () => number;
  readonly clock: Clock;
  readonly timers: Timers;
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
}

/** How often a restart looks at the new generation and the old one. */
export const GENERATION_POLL_MS = 20;
/** How long the old generation may take to finish its requests without --graceful-stop's timeout. */
export const DEFAULT_DRAIN_S = 30;
/** After the drain, SIGTERM; this long later, SIGKILL to what is left of its group. */
export const STOP_BOUND_MS = 10_000;
/**
 * Once the new generation serves, how long the old one may take to accept what waits in its
 * queues before its graceful stop closes them (the event MPM accepts at once; a worker MPM whose
 * threads all hold kept-alive connections makes it wait this long, and those few are reset).
 */
export const QUEUE_DRAIN_S = 1;

/** Apache's quoting of one directive argument. */
const quoted = (value: string) => `"${value.replace(/[\\"]/g, (c) => `\\${c}`)}"`;

/**
 * What every generation gets on httpd's command line. Before the configuration (`-C`, which
 * httpd.conf's `${EXPRESS_WSGI_GENERATION}` sees; `-c` would come too late): its number, counted
 * from 1 as apachectl counts them (Generation#n + 1), for the access log and the WSGI environ
 * (httpd.conf's SetEnv). After it (`-c`, so the last word): its own pid file, since Apache
 * removes its pid file on exit whatever it names, and SO_REUSEPORT on its listeners, which Apache
 * 2.4 sets when ListenCoresBucketsRatio is above 0. The ratio is the number of CPUs so that there
 * is one listener bucket, as without it: a lower one makes Apache start at least one child per
 * bucket.
 */
export function generationArgs(pidFile: string, cores: number, n: number): string[] {
  return [
    '-C',
    `Define EXPRESS_WSGI_GENERATION ${n + 1}`,
    '-c',
    `PidFile ${quoted(pidFile)}`,
    '-c',
    `ListenCoresBucketsRatio ${Math.max(1, cores)}`,
  ];
}

/** Polls `check` until it gives a value or `ms` pass (then undefined). */
export function poll<T>(
  seams: Pick<GenerationSeams, 'clock' | 'timers'>,
  check: () => T | undefined,
  ms: number,
) {
  return new Promise<T | undefined>((resolve) => {
    const deadline = seams.clock.now() + ms;
    let handle: unknown;
    const tick = () => {
      const value = check();
      if (value !== undefined || seams.clock.now() > deadline) {
        seams.timers.clearInterval(handle);
        resolve(value);
        return true;
      }
      return false;
    };
    if (!tick()) {
      handle = seams.timers.setInterval(tick, GENERATION_POLL_MS);
    }
  });
}

const describeEnd = (end: ChildEnd) =>
  end.signal ? `was killed by ${end.signal}` : `exited with status ${end.exitCode ?? 'unknown'}`;

export interface Generations {
  /** The generation that serves (the one the pid file names). */
  current(): Generation;
  /** Every generation still running: the current one, and one starting or stopping beside it. */
  running(): Generation[];
  /**
   * Resolves with the end of the generation that was current when it ended; during a restart,
   * once the restart is decided (a new one that serves is current then, and the launcher goes on).
   */
  readonly ended: Promise<ChildEnd>;
  /** A restart: the new generation replaces the current one, or, failing, is gone again. */
  swap(over: () => boolean): Promise<void>;
  /** Once the current one has ended: stops the others and waits until they are gone. */
  stopOthers(): Promise<number[]>;
}

type Config = Pick<
  ServerConfig,
  'paths' | 'readyTimeout' | 'gracefulStop' | 'log' | 'host' | 'port' | 'restarts'
>;

/** The new generation's import, in the restart's message: the exception and where it was raised. */
const failedLoad = (why: readonly string[]) =>
  `its application failed to load (${why.map((l) => l.trim()).join(', ')})`;

export function generations(config: Config, seams: GenerationSeams): Generations {
  const all: Generation[] = [];
  let endCurrent: (end: ChildEnd) => void = () => {};
  const ended = new Promise<ChildEnd>((resolve) => (endCurrent = resolve));
  // While a restart runs, the current generation's end does not end the launcher: if the new one
  // serves, it is the current one (a kill of the old parent from outside just before).
  let restarting = false;
  // Each generation's number, and so its pid file's name, is its own: never one a failed one had.
  let made = 0;

  const readListens = () => listenAddresses(config.paths.httpdConf, config.paths.serverRoot, seams.readFile);

  const start = (listens: readonly ListenAddress[]): Generation => {
    const n = made++;
    const pidFile = join(config.paths.serverRoot, `.httpd.generation-${n}.pid`);
    // Apache refuses to start when its pid file names a live process: a recycled pid would do.
    seams.removeFile(pidFile);
    const child = seams.spawn(generationArgs(pidFile, seams.cores(), n));
    let gone = false;
    const generation: Generation = {
      n,
      pid: child.pid,
      pidFile,
      listens,
      end: Promise.resolve(child).then((end) => {
        gone = true;
        all.splice(all.indexOf(generation), 1);
        if (generation === current && !restarting) {
          endCurrent(end);
        }
        return end;
      }),
      exited: () => gone,
    };
    all.push(generation);
    return generation;
  };

  // What the first one listens on passed start-up's check (src/commands/serve.ts); were the file
  // unreadable, its --port at least is known to be held.
  const first = readListens();
  let current = start(first.length ? first : [{ host: config.host, port: config.port, option: 'port' }]);
  // The pid file apachectl reads names the first generation as soon as its Apache is up.
  void poll(
    seams,
    () => (current.exited() || seams.exists(current.pidFile) ? true : undefined),
    config.readyTimeout * 1000,
  ).then(() => {
    if (current.n === 0 && current.pid && !current.exited() && seams.exists(current.pidFile)) {
      seams.writePidFile(config.paths.pidFile, current.pid);
    }
  });

  const signal = (generation: Generation, sig: NodeJS.Signals) => {
    try {
      // An exited one's pid may have been given to another process.
      if (generation.pid && !generation.exited()) {
        seams.kill(generation.pid, sig);
      }
    } catch {
      // gone meanwhile
    }
  };

  /** SIGTERM (the daemons too), then SIGKILL to its group if it is still there after the bound. */
  const stop = async (generation: Generation) => {
    signal(generation, 'SIGTERM');
    if (generation.pid) {
      seams.stopDaemons(generation.pid);
    }
    if (
      !(await poll(seams, () => (generation.exited() ? true : undefined), STOP_BOUND_MS)) &&
      generation.pid
    ) {
      try {
        seams.kill(-generation.pid, 'SIGKILL');
      } catch {
        // gone meanwhile
      }
    }
  };

  /**
   * Waits until `generation` has exited and nothing of its group is left; removes its pid file,
   * whatever it holds (an empty one, Apache's on a full disk): the name is this generation's alone.
   */
  const bury = async (generation: Generation) => {
    await generation.end;
    const left = generation.pid ? await seams.killGroup(generation.pid) : [];
    seams.removeFile(generation.pidFile);
    return left;
  };

  const drainMs = (config.gracefulStop?.timeout ?? DEFAULT_DRAIN_S) * 1000;

  /** Steers new connections (src/launch/steer.ts) while `old` runs: to it, or to the new one. */
  const steer = async (old: Generation, to: SteerTo, drainS = 0) => {
    if (old.pid && !old.exited()) {
      await seams.steer(config.paths.steerListeners, old.pid, to, drainS);
    }
  };

  const retire = async (old: Generation) => {
    signal(old, 'SIGWINCH');
    if (!(await poll(seams, () => (old.exited() ? true : undefined), drainMs))) {
      seams.err(
        `express-wsgi: the previous Apache (pid ${old.pid}) did not finish its requests within ${drainMs / 1000} s; stopping it.`,
      );
      await stop(old);
    }
    // The check that it is really gone: a process of its group that outlived its parent is killed.
    const left = await bury(old);
    if (left.length) {
      seams.err(
        `express-wsgi: killed ${left.length} process(es) of the previous Apache (pid ${old.pid}) that outlived it (pid ${left.join(', ')}).`,
      );
    }
  };

  /**
   * The restart's outcome is known: from now on the current generation's end (the old one, which a
   * failed restart leaves current, or the new one) is the launcher's, one during the restart too.
   */
  const decided = () => {
    if (restarting) {
      restarting = false;
      if (current.exited()) {
        void current.end.then(endCurrent);
      }
    }
  };

  /** Why a new generation that does not replace the old one failed, for the restart's message. */
  const whyNot = async (next: Generation, outcome: string, load: GenerationLoad | undefined) => {
    if (outcome === 'exited') {
      return `it ${describeEnd(await next.end)} before it served`;
    }
    if (load?.state === 'failed') {
      return failedLoad(load.why);
    }
    const importing = load?.state === 'loading' ? load.pending : undefined;
    return importing
      ? `its import of ${importing.file} (pid ${importing.pid}) did not finish within ${config.readyTimeout} s (--ready-timeout)`
      : `it did not serve within ${config.readyTimeout} s (--ready-timeout)`;
  };

  /**
   * A restart up to its decision: checks the new configuration's ports, starts the new generation
   * and waits for it. Returns the old generation once the new one has replaced it.
   */
  const replace = async (over: () => boolean): Promise<Generation | undefined> => {
    const old = current;
    const listens = readListens();
    const refused = await refusedAddress(old.listens, listens, seams.portFree);
    if (refused) {
      seams.err(
        `express-wsgi: the restart failed: ${config.paths.httpdConf} listens on ${describeAddress(refused[0])}, ` +
          `which cannot be used (${refused[1].replace(/\.$/, '')}); no new Apache was started. ` +
          `The running one (pid ${old.pid}) goes on serving.`,
      );
      return;
    }
    if (over()) {
      return;
    }
    const errorLog = config.log.toTerminal ? undefined : config.log.errorLog;
    const logOffset = errorLog ? seams.logSize(errorLog) : 0;
    const awaitImport = config.restarts.importCheck === 'log' && config.restarts.importMarkers;
    // No connection for the new one before it serves: a failed one would reset them.
    await steer(old, 0);
    if (over()) {
      return;
    }
    const next = start(listens);
    const groups = new Map<number, number | undefined>();
    let load: GenerationLoad | undefined;
    // With the log in a file, the new generation serves once its application loaded, too: its
    // daemons start their request threads whether the import succeeded or not.
    const loadNow = () =>
      errorLog && next.pid
        ? (load = generationLoad(seams.logLines(errorLog, logOffset), next.pid, groups, seams, awaitImport))
        : ({ state: 'loaded' } as const);
    const outcome = await poll(
      seams,
      () => {
        if (over()) {
          return 'over';
        }
        if (next.exited()) {
          return 'exited';
        }
        const loaded = loadNow().state;
        if (loaded === 'failed') {
          return 'failed';
        }
        return loaded === 'loaded' && next.pid && seams.exists(next.pidFile) && seams.serving(next.pid)
          ? 'serving'
          : undefined;
      },
      config.readyTimeout * 1000,
    );
    if (outcome === 'serving') {
      // The pid file first: apachectl and supervisors find Apache through it, so a new generation
      // it cannot name is stopped (adversarial pass: both ran on, the file naming the old one).
      try {
        seams.writePidFile(config.paths.pidFile, next.pid as number);
      } catch (error) {
        seams.err(
          `express-wsgi: the restart failed: the new Apache (pid ${next.pid}) served, but ${config.paths.pidFile} ` +
            `could not be written (${(error as Error).message}), so it is stopped. The running one (pid ${old.pid}) goes on serving.`,
        );
        decided();
        await stop(next);
        await bury(next);
        return;
      }
      current = next;
      decided();
      // New connections to the new one from here on, before the launcher says it serves (a client
      // that acts on that message must reach it), and the old one's queue emptied before it stops.
      await steer(old, 1, QUEUE_DRAIN_S);
      seams.out(
        `express-wsgi: restarted: a new Apache (pid ${next.pid}) serves; ` +
          (old.exited()
            ? `the previous one (pid ${old.pid}) ${describeEnd(await old.end)} before that.`
            : `the previous one (pid ${old.pid}) finishes its requests and stops.`),
      );
      return old;
    }
    if (outcome === 'over') {
      // A stop reached every generation (src/launch/forward-signals.ts); the launcher ends.
      return;
    }
    const disk = seams.diskFull({ serverRoot: config.paths.serverRoot, errorLog, logOffset });
    const why =
      (await whyNot(next, outcome ?? 'timed out', load)) + (disk ? ` (${disk.replace(/\.$/, '')})` : '');
    const where = config.log.toTerminal ? 'above' : `above and in ${config.log.errorLog}`;
    const running = old.exited()
      ? `The previous one (pid ${old.pid}) ${describeEnd(await old.end)} meanwhile: nothing serves now.`
      : `The running one (pid ${old.pid}) goes on serving.`;
    seams.err(
      `express-wsgi: the restart failed: a new Apache was started from ${config.paths.serverRoot}, but ${why}; ` +
        `Apache's own messages are ${where}. ${running}`,
    );
    decided();
    if (!next.exited()) {
      await stop(next);
    }
    await bury(next);
  };

  const swap = async (over: () => boolean) => {
    restarting = true;
    let replaced: Generation | undefined;
    try {
      replaced = await replace(over);
    } finally {
      decided();
    }
    if (replaced) {
      await retire(replaced);
    }
  };

  return {
    current: () => current,
    running: () => [...all],
    ended,
    swap,
    stopOthers: async () => {
      const others = all.filter((generation) => generation !== current);
      await Promise.all(others.map((generation) => stop(generation)));
      return (await Promise.all(others.map((generation) => bury(generation)))).flat();
    },
  };
}
