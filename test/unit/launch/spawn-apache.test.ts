/** How Apache is started (src/launch/spawn-apache.ts). */
import { describe, expect, it } from '@jest/globals';

import { type Spawn, spawnApache } from '../../../src/launch/spawn-apache.js';

function recordingSpawn() {
  const calls: Parameters<Spawn>[] = [];
  const spawn: Spawn = (...args) => {
    calls.push(args);
    return { pid: 2000, then: () => undefined } as never;
  };
  return { spawn, calls };
}

describe('spawnApache', () => {
  it('runs apachectl in the foreground in a group of its own, forwarding left to the launcher', () => {
    const { spawn, calls } = recordingSpawn();
    const child = spawnApache(spawn, '/srv/root/apachectl', undefined, () => false);
    expect(child.pid).toBe(2000);
    expect(calls).toEqual([
      [
        '/srv/root/apachectl',
        ['start', '-DFOREGROUND'],
        { detached: true, stdio: 'inherit', reject: false, forceKillAfterDelay: false, cleanup: false },
      ],
    ]);
  });

  it('under setpriv, Apache gets SIGTERM if the launcher is killed outright', () => {
    const { spawn, calls } = recordingSpawn();
    spawnApache(spawn, '/srv/root/apachectl', undefined, (path) => path === '/bin/setpriv');
    expect(calls[0]?.slice(0, 2)).toEqual([
      '/bin/setpriv',
      ['--pdeathsig', 'SIGTERM', '--', '/srv/root/apachectl', 'start', '-DFOREGROUND'],
    ]);
  });

  it('hands the server root’s lock on as fd 9', () => {
    const { spawn, calls } = recordingSpawn();
    spawnApache(spawn, '/srv/root/apachectl', 17, () => false);
    const stdio = calls[0]?.[2].stdio;
    expect(stdio).toEqual(['inherit', 'inherit', 'inherit', ...Array(6).fill('ignore'), 17]);
    expect((stdio as readonly unknown[]).indexOf(17)).toBe(9);
  });
});
