/** Where the server root and its files go, and what may (not) be served from where. */
import { basename, dirname, join, resolve as resolvePath } from 'node:path';

import type { Context, CoreConfig, Mode, UrlAlias } from '../config.js';
import { badValue, UsageError } from '../errors.js';
import type { Options } from '../options/schema.js';
import { existingDirectory, isDirectory } from './files.js';

// Linux sun_path holds 108 bytes with the NUL; mod_wsgi names sockets PREFIX.PID.uUID.N.sock.
export const SOCKET_PATH_MAX = 107;
export const SOCKET_SUFFIX_WORST = '.4194304.u4294967295.99.sock'.length;

function defaultServerRoot(host: string, port: number, ctx: Context): string {
  // Made absolute as --server-root is: apachectl and Apache run from elsewhere (TMPDIR=. happens).
  const tmp = resolvePath(ctx.cwd, ctx.host.env.TMPDIR || '/tmp');
  if (!isDirectory(ctx.host, tmp)) {
    throw new UsageError(
      `TMPDIR: ${JSON.stringify(tmp)} is not a directory; set TMPDIR to one, or give --server-root.`,
    );
  }
  return join(tmp, `express-wsgi-${host}:${port}:${ctx.uid}`);
}

export function serverRootOf(opts: Options, host: string, ctx: Context): string {
  if (!opts.serverRoot) {
    return defaultServerRoot(host, opts.port, ctx);
  }
  const root = resolvePath(ctx.cwd, opts.serverRoot);
  const parent = dirname(root);
  if (!isDirectory(ctx.host, parent)) {
    throw badValue('server-root', opts.serverRoot, `a directory whose parent exists (${parent} does not)`);
  }
  const st = ctx.host.stat(root);
  if (st && st.kind !== 'directory') {
    throw badValue('server-root', opts.serverRoot, 'a directory (it is a file)');
  }
  return root;
}

export const within = (inner: string, outer: string) =>
  inner === outer || inner.startsWith(outer.endsWith('/') ? outer : `${outer}/`);

/**
 * Apache serves everything under the document root: one that is, or holds, the server root would
 * hand out envvars, the logs and the configuration. (A document root inside the server root is
 * fine: <server-root>/htdocs is the default.) Compared as real paths, so a symlink cannot hide it.
 */
export function checkDocumentRootApart(
  what: string,
  documentRoot: string,
  serverRoot: string,
  ctx: Context,
): void {
  const doc = ctx.host.realPath(documentRoot);
  const root = ctx.host.realPath(serverRoot);
  if (within(root, doc)) {
    const how = doc === root ? 'is' : 'contains';
    throw new UsageError(
      `${what} ${how} the server root ${JSON.stringify(serverRoot)}, so Apache would serve its envvars, ` +
        'logs and configuration; give a --server-root outside the directory served (or serve another one).',
    );
  }
}

/**
 * The same for --url-alias: a target that holds the server root, or lies in it (outside the document
 * root kept there, such as the default htdocs), would serve envvars, the logs and the configuration.
 */
export function checkAliasesApart(
  aliases: readonly UrlAlias[],
  documentRoot: string,
  serverRoot: string,
  ctx: Context,
): void {
  const root = ctx.host.realPath(serverRoot);
  const doc = ctx.host.realPath(documentRoot);
  for (const alias of aliases) {
    const target = ctx.host.realPath(alias.path);
    const how = within(root, target)
      ? target === root
        ? 'is'
        : 'contains'
      : within(target, root) && !within(target, doc)
        ? 'is inside'
        : undefined;
    if (how) {
      throw new UsageError(
        `--url-alias ${alias.url} ${JSON.stringify(alias.path)} ${how} the server root ${JSON.stringify(serverRoot)}, ` +
          'so Apache would serve its envvars, logs and configuration; give a --server-root outside it (or alias another path).',
      );
    }
  }
}

export function aliasesOf(opts: Options, ctx: Pick<Context, 'cwd' | 'host'>): UrlAlias[] {
  const aliases = opts.urlAlias.map(([url, target]): UrlAlias => {
    if (!/^\/[A-Za-z0-9._~@/-]*$/.test(url)) {
      throw badValue('url-alias', url, 'a URL path such as /static as the first value');
    }
    const path = resolvePath(ctx.cwd, target);
    const st = ctx.host.stat(path);
    if (!st) {
      throw badValue('url-alias', target, `an existing file or directory to serve at ${url}`);
    }
    return st.kind === 'directory'
      ? { url, path: target.endsWith('/') ? `${path}/` : path }
      : { url, path, file: { dir: dirname(path), name: basename(path) } };
  });
  // Longer URL prefixes first, so /static/img wins over /static.
  return aliases.sort((a, b) => b.url.localeCompare(a.url));
}

/**
 * Every path of the server root, the document root and the log and socket locations, each
 * checked: a document root or alias that would serve the server root is refused, and so is a
 * socket prefix too long for a UNIX socket path. --pid-file is the logs feature's option; where the
 * pid file goes is decided here because launch and the preflight checks need it.
 */
export function pathsOf(
  opts: Options,
  ctx: Context,
  serverRoot: string,
  what: { readonly mode: Mode; readonly given: string | undefined; readonly documentRootOption?: string },
): CoreConfig['paths'] {
  const { documentRootOption, given, mode } = what;
  const paths = {
    serverRoot,
    httpdConf: join(serverRoot, 'httpd.conf'),
    apachectl: join(serverRoot, 'apachectl'),
    envvars: join(serverRoot, 'envvars'),
    rewriteRules: join(serverRoot, 'rewrite.conf'),
    handler: join(serverRoot, 'handler.wsgi'),
    checkApp: join(serverRoot, 'check-app.py'),
    steerListeners: join(serverRoot, 'steer-listeners.pl'),
    welcome: join(serverRoot, 'welcome.wsgi'),
    pidFile: opts.pidFile ? resolvePath(ctx.cwd, opts.pidFile) : join(serverRoot, 'httpd.pid'),
    documentRoot: documentRootOption
      ? existingDirectory(ctx, 'document-root', documentRootOption)
      : join(serverRoot, 'htdocs'),
    ownDocumentRoot: !documentRootOption,
    logDirectory: opts.logDirectory ? existingDirectory(ctx, 'log-directory', opts.logDirectory) : serverRoot,
    socketPrefix: opts.socketPrefix ? resolvePath(ctx.cwd, opts.socketPrefix) : join(serverRoot, 'wsgi'),
  };
  if (opts.socketPrefix && !isDirectory(ctx.host, dirname(paths.socketPrefix))) {
    throw badValue(
      'socket-prefix',
      opts.socketPrefix,
      `a path in an existing directory (${dirname(paths.socketPrefix)} does not exist)`,
    );
  }
  if (documentRootOption) {
    const shown = opts.documentRoot
      ? `--document-root ${JSON.stringify(opts.documentRoot)}`
      : given !== undefined
        ? `the static directory ${JSON.stringify(given)}`
        : `the current directory ${JSON.stringify(ctx.cwd)} (served with --application-type static)`;
    checkDocumentRootApart(shown, paths.documentRoot, serverRoot, ctx);
  }
  checkAliasesApart(aliasesOf(opts, ctx), paths.documentRoot, serverRoot, ctx);
  // sun_path is bytes: a non-ASCII root takes more of it than its JavaScript length says.
  if (mode !== 'static' && Buffer.byteLength(paths.socketPrefix) + SOCKET_SUFFIX_WORST > SOCKET_PATH_MAX) {
    const option = opts.socketPrefix ? 'socket-prefix' : 'server-root';
    throw badValue(
      option,
      opts.socketPrefix ?? serverRoot,
      `a shorter path: daemon socket paths would exceed the ${SOCKET_PATH_MAX + 1}-byte UNIX socket limit; ` +
        'give --socket-prefix /tmp/wsgi (or a shorter --server-root)',
    );
  }
  return paths;
}
