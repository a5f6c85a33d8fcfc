/** The launcher's status, the shell's way (src/launch/exit-status.ts). */
import { constants } from 'node:os';

import { describe, expect, it } from '@jest/globals';

import { exitStatus, launcherStatus, signalStatus } from '../../../src/launch/exit-status.js';

describe('exitStatus', () => {
  it.each([0, 1, 2, 32, 64, 127, 254, 255])('passes exit code %i on', (code) => {
    expect(exitStatus(code, undefined)).toBe(code);
  });

  it.each(['SIGHUP', 'SIGINT', 'SIGQUIT', 'SIGKILL', 'SIGSEGV', 'SIGTERM', 'SIGWINCH'] as const)(
    'is 128 + N for death by %s',
    (signal) => {
      expect(exitStatus(undefined, signal)).toBe(128 + constants.signals[signal]);
    },
  );

  it('is 1 with neither a code nor a known signal', () => {
    expect(exitStatus(undefined, undefined)).toBe(1);
    expect(exitStatus(undefined, 'SIGNOPE')).toBe(1);
  });
});

describe('signalStatus', () => {
  it.each([
    ['SIGINT', 130],
    ['SIGTERM', 143],
    ['SIGHUP', 129],
  ] as const)('%s gives %i', (signal, status) => {
    expect(signalStatus(signal)).toBe(status);
  });
});

describe('launcherStatus', () => {
  it('is 128 + N for start-up stopped by signal N, whatever Apache gave', () => {
    expect(launcherStatus({ exitCode: 0 }, { timedOut: false, stopBeforeReady: 'SIGINT' })).toBe(130);
    expect(launcherStatus({ signal: 'SIGTERM' }, { timedOut: false, stopBeforeReady: 'SIGTERM' })).toBe(143);
  });

  it('is 1 for a server that never became ready and stopped cleanly, else its status', () => {
    expect(launcherStatus({ exitCode: 0 }, { timedOut: true })).toBe(1);
    expect(launcherStatus({ signal: 'SIGTERM' }, { timedOut: true })).toBe(143);
    expect(launcherStatus({ exitCode: 0 }, { timedOut: false })).toBe(0);
  });
});
