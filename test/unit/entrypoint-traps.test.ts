/**
 * The container entry point's traps (examples/docker/entrypoint.sh), run as they are in a shell of
 * their own: a stop must end with the shell's status for the signal even when the step it kills
 * has just ended (under `set -e` a failing kill inside the trap would exit 1 instead).
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { describe, expect, it } from '@jest/globals';

const ENTRYPOINT = join(import.meta.dirname, '..', '..', 'examples', 'docker', 'entrypoint.sh');
const traps = readFileSync(ENTRYPOINT, 'utf8')
  .split('\n')
  .filter((line) => line.startsWith("trap '"));

describe('the entry point traps', () => {
  it('are one for TERM and one for INT', () => {
    expect(traps.map((line) => line.split(' ').at(-1))).toEqual(['TERM', 'INT']);
  });

  it.each([
    ['TERM', 143],
    ['INT', 130],
  ])('SIG%s with a step that has already gone still exits %i under set -eu', (signal, status) => {
    // A pid that cannot exist (above pid_max's ceiling): kill fails as for a step just reaped.
    const script = ['set -eu', 'step=4194305', ...traps, `kill -${signal} $$`, 'sleep 5', 'exit 99'].join(
      '\n',
    );
    const r = spawnSync('sh', ['-c', script], { encoding: 'utf8', timeout: 10_000 });
    expect(r.status).toBe(status);
  });
});
