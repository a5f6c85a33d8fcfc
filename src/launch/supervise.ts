/**
 * The launcher's wiring: spawn Apache, forward signals, queue reloads, wait for readiness, and
 * report how it ended. Everything it touches of the machine (the process, spawning, kill, /proc,
 * the clock and timers, the terminal) comes in as `Seams`: the real ones in src/launch/index.ts, a
 * fake process in test/unit/launch/supervise.test.ts.
 */
import type { ServerConfig } from '../config.js';
import { importHangMs, reloadTimeoutMs } from './daemon-timeouts.js';
import type { reloadApplication } from './daemons.js';
import { type HeldSignals, type StopSignal, STOPS } from './early-signals.js';
import { launcherStatus, signalStatus } from './exit-status.js';
import type { Outcome, Where } from './failure-report.js';
import { forwardSignals } from './forward-signals.js';
import { probeHost } from './probe.js';
import { awaitReadiness } from './readiness.js';
import { reloadQueue } from './reload-queue.js';
import { listenForSignals, type ProcessEvents } from './signal-listeners.js';
import { type Spawn, spawnApache } from './spawn-apache.js';
import type { Clock, Timers } from './timers.js';

export interface Seams {
  /** The launcher's own process: its signals and exit, and the uid it runs as. */
  readonly process: ProcessEvents & { getuid?: () => number };
  /** execa, loaded only once Apache is to start (src/launch/spawn-apache.ts). */
  readonly loadSpawn: () => Promise<Spawn>;
  /** Whether a file exists (setpriv, src/launch/spawn-apache.ts). */
  readonly exists: (path: string) => boolean;
  readonly kill: (pid: number, signal: NodeJS.Signals) => void;
  readonly catches: (pid: number, signal: NodeJS.Signals) => boolean;
  readonly stopDaemons: (apachePid: number) => void;
  readonly reloadApplication: typeof reloadApplication;
  /** src/launch/probe.ts#waitForHttp */
  readonly probe: (host: string, port: number, until: () => boolean) => Promise<boolean>;
  readonly clock: Clock;
  readonly timers: Timers;
  /** How long the error log is now. */
  readonly logSize: (path: string) => number;
  /** After Ready: watches the error log for an application that failed to import. */
  readonly watchLoad: (errorLog: string, offset: number, stopped: () => boolean, hangMs: number) => void;
  readonly removePidFile: (pidFile: string, pid: number | undefined) => void;
  readonly killLeftovers: (pgid: number, root: string, uids: ReadonlySet<number>) => Promise<number[]>;
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
  const child = spawnApache(await seams.loadSpawn(), config.paths.apachectl, lockFd, seams.exists);
  const pid = child.pid;

  let exited = false;
  let ready = false;
  const forwarder = forwardSignals({
    pid,
    config,
    kill: seams.kill,
    catches: seams.catches,
    stopDaemons: seams.stopDaemons,
    isReady: () => ready,
    isExited: () => exited,
    timers: seams.timers,
  });
  const over = () => exited || forwarder.stopping() !== undefined;
  const reloads = reloadQueue({
    run: () =>
      seams.reloadApplication(
        pid as number,
        config.mode,
        (line) => seams.out(`express-wsgi: ${line}.`),
        reloadTimeoutMs(config),
        over,
      ),
    isReady: () => ready,
    isOver: () => over() || !pid,
    onError: (error) => seams.err(`express-wsgi: reloading the application failed: ${String(error)}`),
  });
  const listening = listenForSignals(seams.process, {
    stop: (signal) => forwarder.stop(signal),
    restart: (signal) => forwarder.restart(signal),
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
      if (errorLog && config.app) {
        seams.watchLoad(errorLog, logOffset, () => exited, importHangMs(config));
      }
    } else if (outcome === 'timed out' && !exited) {
      seams.err(
        `express-wsgi: Apache did not answer on ${host}:${config.port} within ${config.readyTimeout} s (--ready-timeout); stopping it.`,
      );
      forwarder.stop('SIGTERM', false);
    }
  });

  const result = await child;
  exited = true;
  forwarder.finish();
  seams.removePidFile(config.paths.pidFile, pid);
  // Whatever of the server outlived its parent goes now (issue 11, item 4); signals meanwhile are
  // still taken by the listeners above, so none ends the launcher before that is done.
  const leftovers = pid
    ? await seams.killLeftovers(
        pid,
        config.paths.serverRoot,
        new Set([seams.process.getuid?.() ?? 0, config.user.id]),
      )
    : [];
  listening.remove();

  const status = launcherStatus(result, {
    timedOut: readiness.timedOut(),
    stopBeforeReady: forwarder.stopBeforeReady(),
  });
  seams.report(
    {
      pid,
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
