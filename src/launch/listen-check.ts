/**
 * A restart's port check (issue 17, item 2). Every generation sets SO_REUSEPORT on its listeners,
 * so that the new one can bind the port the old one holds; but then the kernel also lets it join
 * any other server of the same account that sets it too (another express-wsgi, say) on a port a
 * setup-server rerun moved it to, and the two would silently share the connections. So before a
 * restart starts anything, each address the new configuration listens on that the running
 * generation does not hold itself gets start-up's check (src/launch/preflight.ts#checkPortFree).
 */
import { isAbsolute, join } from 'node:path';

export interface ListenAddress {
  /** undefined: every address (`Listen 8000`). Brackets kept for IPv6, as Apache writes it. */
  readonly host: string | undefined;
  readonly port: number;
  /** The option that sets it, for the message: the plain port or --https-port. */
  readonly option: 'port' | 'https-port';
}

/** One directive argument, quoted or bare, as Apache reads it. */
const ARG = String.raw`(?:"((?:[^"\\]|\\.)*)"|(\S+))`;
const LISTEN = new RegExp(String.raw`^\s*Listen\s+${ARG}(?:\s+${ARG})?`, 'i');
const INCLUDE = new RegExp(String.raw`^\s*Include(?:Optional)?\s+${ARG}`, 'i');

const unquote = (quoted: string | undefined, bare: string | undefined) =>
  quoted !== undefined ? quoted.replace(/\\(.)/g, '$1') : bare;

/** `8000`, `127.0.0.1:8000`, `[::1]:8000` into host and port; undefined if it is none of those. */
export function parseListen(value: string): Omit<ListenAddress, 'option'> | undefined {
  const m = /^(?:(.*):)?(\d+)$/.exec(value);
  if (!m) {
    return undefined;
  }
  const port = Number(m[2]);
  return Number.isInteger(port) && port > 0 && port < 65536 ? { host: m[1] || undefined, port } : undefined;
}

/**
 * What a configuration listens on: the Listen lines of httpd.conf and of the files it includes by
 * a plain path (--include-file; a wildcard pattern is not followed). `read` gives a file's text,
 * undefined when it cannot be read.
 */
export function listenAddresses(
  httpdConf: string,
  serverRoot: string,
  read: (path: string) => string | undefined,
): ListenAddress[] {
  const found: ListenAddress[] = [];
  const seen = new Set<string>();
  const visit = (path: string) => {
    if (seen.has(path)) {
      return;
    }
    seen.add(path);
    for (const line of (read(path) ?? '').split('\n')) {
      const listen = LISTEN.exec(line);
      if (listen) {
        const address = parseListen(unquote(listen[1], listen[2]) ?? '');
        const protocol = unquote(listen[3], listen[4]);
        if (address) {
          found.push({ ...address, option: protocol?.toLowerCase() === 'https' ? 'https-port' : 'port' });
        }
        continue;
      }
      const include = INCLUDE.exec(line);
      const target = include ? unquote(include[1], include[2]) : undefined;
      if (target && !/[*?[]/.test(target)) {
        visit(isAbsolute(target) ? target : join(serverRoot, target));
      }
    }
  };
  visit(httpdConf);
  return found;
}

const WILDCARDS = new Set([undefined, '*', '0.0.0.0', '[::]', '::']);

/**
 * Whether a generation listening on `held` already owns `address`: the same port on the same
 * host, or with either side on every address, where a test bind would only meet our own listener
 * (and where no other server can have joined us: start-up's check binds without SO_REUSEPORT).
 */
export function holds(held: readonly ListenAddress[], address: ListenAddress): boolean {
  return held.some(
    (h) =>
      h.port === address.port &&
      (h.host === address.host || WILDCARDS.has(h.host) || WILDCARDS.has(address.host)),
  );
}

/** `host:port` as a user would write it, `*` for every address. */
export const describeAddress = (address: ListenAddress) => `${address.host ?? '*'}:${address.port}`;

/**
 * Runs `check` (start-up's, which rejects with a plain message) on each address of `next` that
 * `held` does not own; resolves with the first refusal as `[address, message]`, else undefined.
 */
export async function refusedAddress(
  held: readonly ListenAddress[],
  next: readonly ListenAddress[],
  check: (host: string | undefined, port: number, option: string) => Promise<void>,
): Promise<[ListenAddress, string] | undefined> {
  for (const address of next) {
    if (holds(held, address)) {
      continue;
    }
    try {
      await check(address.host, address.port, address.option);
    } catch (error) {
      return [address, (error as Error).message];
    }
  }
  return undefined;
}
