/**
 * The launcher's wiring: spawn Apache, forward stops, queue reloads and restarts (each a new Apache
 * generation, src/launch/generations.ts), wait for readiness, and report how it ended. Everything it touches of the machine (the process, spawning, kill, /proc,
 * the clock and timers, the terminal) comes in as `Seams`: the real ones in src/launch/index.ts, a
 * fake process in test/unit/launch/supervise.test.ts.
 */
import type { ServerConfig } from '../config.js';
import { importHangMs, reloadTimeoutMs } from './daemon-timeouts.js';
import type { ReloadApplication } from './daemons.js';
import { type HeldSignals, type StopSignal, STOPS } from './early-signals.js';
import { launcherStatus, signalStatus } from './exit-status.js';
import type { Outcome, Where } from './failure-report.js';
import { forwardSignals } from './forward-signals.js';
import { probeHost } from './probe.js';
import { awaitReadiness } from './readiness.js';
import { reloadQueue } from './reload-queue.js';
import { listenForSignals, type ProcessEvents } from './signal-listeners.js';
import { type GenerationSeams, generations } from './generations.js';
import { type Spawn, spawnApache } from './spawn-apache.js';
import type { Clock, Timers } from './timers.js';

export interface Seams {
  /** The launcher's own process: its signals and exit, and the uid it runs as. */
  readonly process: ProcessEvents & { getuid?: () => number };
  /** execa, loaded only once Apache is to start (src/launch/spawn-apache.ts). */
  readonly loadSpawn: () => Promise<Spawn>;
  /** Whether a file exists (setpriv, src/launch/spawn-apache.ts; a generation's pid file). */
  readonly exists: (path: string) => boolean;
  readonly kill: (pid: number, signal: NodeJS.Signals) => void;
  readonly stopDaemons: (apachePid: number) => void;
  /** Whether a new generation serves (src/launch/daemons.ts#generationServing). */
  readonly serving: (apachePid: number) => boolean;
  /** How many CPUs are online (src/launch/generations.ts#generationArgs). */
  readonly cores: () => number;
  readonly reloadApplication: ReloadApplication;
  /** src/launch/probe.ts#waitForHttp */
  readonly probe: (host: string, port: number, until: () => boolean) => Promise<boolean>;
  readonly clock: Clock;
  readonly timers: Timers;
  /** How long the error log is now. */
  readonly logSize: (path: string) => number;
  /** A restart's checks of the new generation (src/launch/generations.ts#GenerationSeams). */
  readonly logLines: GenerationSeams['logLines'];
  readonly readFile: GenerationSeams['readFile'];
  readonly portFree: GenerationSeams['portFree'];
  readonly groupOf: GenerationSeams['groupOf'];
  readonly alive: GenerationSeams['alive'];
  readonly steer: GenerationSeams['steer'];
  /** After Ready: watches the error log for an application that failed to import. */
  readonly watchLoad: (errorLog: string, offset: number, stopped: () => boolean, hangMs: number) => void;
  readonly removePidFile: (pidFile: string, pid: number | undefined) => void;
  readonly writePidFile: (pidFile: string, pid: number) => void;
  readonly diskFull: (where: Where) => string | undefined;
  readonly removeFile: (path: string) => void;
  /** `scanRoot` false: only the group (src/launch/leftovers.ts). */
  readonly killLeftovers: (
    pgid: number,
    root: string,
    uids: ReadonlySet<number>,
    scanRoot?: boolean,
  ) => Promise<number[]>;
  readonly report: (outcome: Outcome, where: Where) => void;
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
}

const isStop = (signal: string): signal is StopSignal => (STOPS as readonly string[]).includes(signal);

/**
 * `held`: the signals held since start-up (src/launch/early-signals.ts); `lockFd`: the server
 * root's lock (src/launch/spawn-apache.ts).
 */
export async function supervise(
  config: ServerConfig,
  held: HeldSignals | undefined,
  lockFd: number | undefined,
  seams: Seams,
): Promise<number> {
  // A stop that came while the server root was written ends start-up here: the root is complete,
  // nothing runs, and the status is what a shell reports for a process that signal ended.
  const early = held?.take() ?? [];
  const earlyStop = early.find(isStop);
  if (earlyStop) {
    held?.release();
    return signalStatus(earlyStop);
  }

  const errorLog = config.log.toTerminal ? undefined : config.log.errorLog;
  const logOffset = errorLog ? seams.logSize(errorLog) : 0;
  const spawn = await seams.loadSpawn();
  const uids = new Set([seams.process.getuid?.() ?? 0, config.user.id]);
  const root = config.paths.serverRoot;
  let ready = false;
  const gens = generations(config, {
    ...seams,
    spawn: (httpdArgs) => spawnApache(spawn, config.paths.apachectl, lockFd, seams.exists, httpdArgs),
    killGroup: (pgid) => seams.killLeftovers(pgid, root, uids, false),
  });
  const pid = gens.current().pid;

  let exited = false;
  const forwarder = forwardSignals({
    pids: () => gens.running().flatMap((generation) => (generation.pid ? [generation.pid] : [])),
    config,
    kill: seams.kill,
    stopDaemons: seams.stopDaemons,
    isReady: () => ready,
    isExited: () => exited,
    timers: seams.timers,
  });
  const over = () => exited || forwarder.stopping() !== undefined;
  const reloads = reloadQueue({
    run: () =>
      seams.reloadApplication(
        gens.current().pid as number,
        config.mode,
        (line) => seams.out(`express-wsgi: ${line}.`),
        reloadTimeoutMs(config),
        over,
      ),
    isReady: () => ready,
    isOver: () => over() || !pid,
    onError: (error) => seams.err(`express-wsgi: reloading the application failed: ${String(error)}`),
  });
  // HUP and USR1: a new generation replaces the running one, one restart at a time; one asked for
  // meanwhile runs after it (it may announce a newer configuration), one before Apache answered
  // once it does.
  // Start-up's watch of the import ends with the first restart, which checks the new one itself.
  let restarted = false;
  const restarts = reloadQueue({
    run: () => {
      restarted = true;
      return gens.swap(over);
    },
    isReady: () => ready,
    isOver: () => over() || !pid,
    onError: (error) => seams.err(`express-wsgi: restarting failed: ${String(error)}`),
  });
  const listening = listenForSignals(seams.process, {
    stop: (signal) => forwarder.stop(signal),
    restart: () => restarts.ask(),
    reload: () => reloads.ask(),
    exit: () => forwarder.stopOnExit(),
  });
  held?.release();
  // What came while the server root was written, applied as if it came now.
  listening.replay(early);

  const host = probeHost(config.host);
  const readiness = awaitReadiness({
    probe: (until) => seams.probe(host, config.port, until),
    clock: seams.clock,
    timeoutMs: config.readyTimeout * 1000,
    isExited: () => exited,
  });
  void readiness.outcome.then((outcome) => {
    if (outcome === 'answered' && !forwarder.stopping()) {
      seams.out(`Ready: Apache is answering on ${config.url} (pid ${pid}). Press Ctrl-C to stop.`);
      ready = true;
      reloads.resume();
      restarts.resume();
      if (errorLog && config.app) {
        seams.watchLoad(errorLog, logOffset, () => exited || restarted, importHangMs(config));
      }
    } else if (outcome === 'timed out' && !exited) {
      seams.err(
        `express-wsgi: Apache did not answer on ${host}:${config.port} within ${config.readyTimeout} s (--ready-timeout); stopping it.`,
      );
      forwarder.stop('SIGTERM', false);
    }
  });

  const result = await gens.ended;
  exited = true;
  forwarder.finish();
  // A generation starting or stopping beside the one that ended goes too.
  const others = await gens.stopOthers();
  const last = gens.current();
  seams.removePidFile(config.paths.pidFile, last.pid);
  seams.removePidFile(last.pidFile, last.pid);
  // Whatever of the server outlived its parent goes now (issue 11, item 4); signals meanwhile are
  // still taken by the listeners above, so none ends the launcher before that is done.
  const leftovers = last.pid ? [...others, ...(await seams.killLeftovers(last.pid, root, uids))] : others;
  listening.remove();

  const status = launcherStatus(result, {
    timedOut: readiness.timedOut(),
    stopBeforeReady: forwarder.stopBeforeReady(),
  });
  seams.report(
    {
      pid: last.pid,
      signal: result.signal,
      status,
      sent: forwarder.sent,
      stopping: forwarder.stopping() !== undefined,
      leftovers,
    },
    { serverRoot: config.paths.serverRoot, errorLog, logOffset },
  );
  return status;
}
