/**
 * While start-server generates the server root, Apache is not running yet: a restart or reload
 * asked for then has nothing to act on (Apache will start with the new configuration and code),
 * but Node's default for these signals is to exit. Hold them until the launcher takes over; a
 * reload request (SIGUSR2) is remembered and carried out once Apache answers.
 */
const HELD = ['SIGUSR1', 'SIGHUP', 'SIGWINCH'] as const;

export interface HeldSignals {
  /** Whether SIGUSR2 arrived while held. */
  reloadRequested(): boolean;
  /** Stops holding (call once the launcher's own listeners are in place). */
  release(): void;
}

export function holdSignals(): HeldSignals {
  let reload = false;
  const onReload = () => {
    reload = true;
  };
  const ignore = () => {};
  process.on('SIGUSR2', onReload);
  for (const signal of HELD) {
    process.on(signal, ignore);
  }
  return {
    reloadRequested: () => reload,
    release: () => {
      process.off('SIGUSR2', onReload);
      for (const signal of HELD) {
        process.off(signal, ignore);
      }
    },
  };
}
