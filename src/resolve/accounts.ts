/** The accounts Apache's children and the daemon processes run as (only when started as root). */
import type { Account, Context } from '../config.js';
import { badValue, UsageError } from '../errors.js';
import type { Options } from '../options/schema.js';

export function accountsOf(
  opts: Options,
  ctx: Context,
): { user: Account; group: Account; warnings: string[] } {
  const warnings: string[] = [];
  const startedAsRoot = ctx.uid === 0;
  let user: Account | undefined;
  if (opts.user) {
    user = ctx.host.accounts.user(opts.user);
    if (!user) {
      throw badValue('user', opts.user, 'an existing account name or #uid');
    }
  } else if (startedAsRoot) {
    // Apache refuses to serve as root; pick the distribution's web account, as its own config does.
    user = ctx.host.accounts.user('www-data') ?? ctx.host.accounts.user('nobody');
    if (!user) {
      throw new UsageError('--user: running as root needs an unprivileged account; give --user and --group.');
    }
  } else {
    user = ctx.host.accounts.user(ctx.uid) as Account;
  }
  if (startedAsRoot && user.id === 0) {
    throw badValue(
      'user',
      opts.user ?? 'root',
      'an unprivileged account: Apache does not serve requests as root',
    );
  }
  let group: Account | undefined;
  if (opts.group) {
    group = ctx.host.accounts.group(opts.group);
    if (!group) {
      throw badValue('group', opts.group, 'an existing group name or #gid');
    }
  } else {
    const gid = user.gid ?? (startedAsRoot ? undefined : ctx.gid);
    group =
      gid !== undefined ? (ctx.host.accounts.group(gid) as Account) : ctx.host.accounts.group('nogroup');
    if (!group) {
      throw new UsageError(`--group: account ${user.name} has no primary group here; give --group.`);
    }
  }
  // Apache would serve with group root (only user root is compiled out), but then the app could
  // read and write whatever root's group may: as careful as refusing user root.
  if (startedAsRoot && group.id === 0) {
    throw badValue(
      'group',
      opts.group ?? `${group.name} (the primary group of ${user.name})`,
      'an unprivileged group: the app must not run with group root (gid 0); give --group, e.g. --group nogroup',
    );
  }
  if (!startedAsRoot && (opts.user || opts.group)) {
    warnings.push('--user and --group only take effect when express-wsgi is started as root.');
  }
  return { user, group, warnings };
}
