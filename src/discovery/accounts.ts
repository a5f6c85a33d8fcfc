/**
 * User and group look-ups from /etc/passwd and /etc/group (Node has no getpwnam). Accounts that
 * only NSS knows (LDAP, …) are not seen; `#uid` and `#gid` always work.
 */
import { readFileSync } from 'node:fs';

import type { Account, Accounts } from '../config.js';

const rowsOf = (text: string): string[][] =>
  text
    .split('\n')
    .filter((l) => l && !l.startsWith('#'))
    .map((l) => l.split(':'));

function table(path: string): string[][] {
  try {
    return rowsOf(readFileSync(path, 'utf8'));
  } catch {
    return [];
  }
}

function lookup(rows: string[][], key: string | number, withGid: boolean): Account | undefined {
  const byId = typeof key === 'number' || key.startsWith('#');
  const id = typeof key === 'number' ? key : Number(key.slice(1));
  const row = rows.find((r) => (byId ? Number(r[2]) === id : r[0] === key));
  if (!row) {
    // An id with no entry is still valid (containers run as arbitrary uids).
    return byId ? { name: `#${id}`, id } : undefined;
  }
  return { name: row[0] as string, id: Number(row[2]), ...(withGid ? { gid: Number(row[3]) } : {}) };
}

export function systemAccounts(passwd = '/etc/passwd', group = '/etc/group'): Accounts {
  return accountsOf(table(passwd), table(group));
}

/** Look-ups over the text of a passwd and a group file (for a Host that is not this machine). */
export function accountsFromText(passwd: string, group: string): Accounts {
  return accountsOf(rowsOf(passwd), rowsOf(group));
}

function accountsOf(users: string[][], groups: string[][]): Accounts {
  return {
    user: (key) => lookup(users, key, true),
    group: (key) => lookup(groups, key, false),
  };
}
