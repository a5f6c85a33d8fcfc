/** The accounts Apache and the app run as (src/resolve/accounts.ts). */
import { join } from 'node:path';

import { describe, expect, it } from '@jest/globals';

import { chmodSync, mkdirSync, writeFileSync } from '../helpers/fake-fs.js';
import { fakeAccounts } from '../helpers/fakes.js';
import { dir, failure, run } from '../helpers/resolve-setup.js';

describe('accounts', () => {
  it('started as root, runs Apache as www-data', () => {
    const config = run({}, { uid: 0, gid: 0 });
    expect(config.startedAsRoot).toBe(true);
    expect(config.user).toEqual({ name: 'www-data', id: 33, gid: 33 });
    expect(config.group).toEqual({ name: 'www-data', id: 33 });
  });

  it('started as root without www-data, falls back to nobody:nogroup', () => {
    const config = run({}, { uid: 0, gid: 0, accounts: fakeAccounts(join(dir, 'no-www'), ['www-data']) });
    expect(config.user.name).toBe('nobody');
    expect(config.group.name).toBe('nogroup');
  });

  it('started as root with neither www-data nor nobody, asks for --user', () => {
    const bare = fakeAccounts(join(dir, 'bare'), ['www-data', 'nobody']);
    expect(failure({}, { uid: 0, gid: 0, accounts: bare })).toContain('--user: running as root needs');
  });

  it('not root, runs as its own account and primary group', () => {
    const config = run({}, { uid: 1000, gid: 1001 });
    expect(config.startedAsRoot).toBe(false);
    expect(config.user).toEqual({ name: 'alice', id: 1000, gid: 1001 });
    expect(config.group).toEqual({ name: 'alice', id: 1001 });
    expect(config.warnings).toEqual([]);
  });

  it('not root with a uid that has no passwd entry (containers), uses #uid and #gid', () => {
    const config = run({}, { uid: 4242, gid: 4343 });
    expect(config.user).toEqual({ name: '#4242', id: 4242 });
    expect(config.group).toEqual({ name: '#4343', id: 4343 });
  });

  it.each(['root', '#0'])('refuses --user %s when started as root', (user) => {
    expect(failure({ user }, { uid: 0, gid: 0 })).toBe(
      `--user: ${JSON.stringify(user)} is not valid; expected an unprivileged account: Apache does not serve requests as root.`,
    );
  });

  it.each(['root', '#0'])('refuses --group %s when started as root, as --user root is', (group) => {
    expect(failure({ group }, { uid: 0, gid: 0 })).toBe(
      `--group: ${JSON.stringify(group)} is not valid; expected an unprivileged group: the app must not run with group root (gid 0); give --group, e.g. --group nogroup.`,
    );
    expect(failure({ user: 'bob', group }, { uid: 0, gid: 0 })).toContain('--group: ');
  });

  it('--group root started as an ordinary user only warns that it has no effect', () => {
    expect(run({ group: 'root' }).warnings).toContain(
      '--user and --group only take effect when express-wsgi is started as root.',
    );
  });

  it.each([
    [{ user: 'bob' }, 'bob', 'bob'],
    [{ user: 'bob', group: 'staff' }, 'bob', 'staff'],
    [{ user: '#1002', group: '#50' }, 'bob', 'staff'],
    [{ user: '#5000' }, '#5000', 'nogroup'],
    [{ group: 'staff' }, 'www-data', 'staff'],
  ])('as root, %j runs as %s:%s', (raw, user, group) => {
    const config = run(raw, { uid: 0, gid: 0 });
    expect([config.user.name, config.group.name]).toEqual([user, group]);
  });

  it.each([
    [{ user: 'mallory' }, '--user: "mallory" is not valid; expected an existing account name or #uid.'],
    [{ group: 'wheel' }, '--group: "wheel" is not valid; expected an existing group name or #gid.'],
  ])('refuses an unknown account: %j', (raw, message) => {
    expect(failure(raw, { uid: 0, gid: 0 })).toBe(message);
  });

  it('not root, warns that --user has no effect', () => {
    expect(run({ user: 'bob' }).warnings).toContain(
      '--user and --group only take effect when express-wsgi is started as root.',
    );
  });

  it('as root, warns when the application directory is closed to the account it runs as', () => {
    const closed = join(dir, 'closed');
    mkdirSync(closed, { recursive: true, mode: 0o700 });
    chmodSync(closed, 0o700);
    writeFileSync(join(closed, 'app.wsgi'), '');
    const config = run({ app: 'closed/app.wsgi' }, { uid: 0, gid: 0 });
    expect(config.warnings.join('\n')).toContain(
      `${closed}/app.wsgi (or a directory above it) may not be readable by www-data`,
    );
  });
});
