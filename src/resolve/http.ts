/** What Apache listens on, the URL it is reached at, and how long it waits for a request. */
import type { CoreConfig } from '../config.js';
import { badValue } from '../errors.js';
import type { Options } from '../options/schema.js';

export const urlHost = (host: string) => (host.includes(':') && !host.startsWith('[') ? `[${host}]` : host);

export function requestReadTimeout(opts: Options): string {
  const clause = (name: string, t: number, given: number, rate: number) => {
    if (t === 0) {
      return `${name}=0`;
    }
    // A default maximum below a timeout the user raised is no mistake of theirs: no range then.
    const maxByDefault = opts.sources !== undefined && opts.sources.of[`${name}-max-timeout`] === undefined;
    const max = maxByDefault && given !== 0 && given < t ? t : given;
    if (max !== 0 && max < t) {
      throw badValue(`${name}-max-timeout`, max, `0 or at least --${name}-timeout (${t})`);
    }
    if (max > t && rate === 0) {
      // mod_reqtimeout extends the timeout towards the maximum only as data arrives at MinRate,
      // and refuses a range without one ("Must set MinRate option if using timeout range").
      throw badValue(
        `${name}-min-rate`,
        rate,
        `at least 1 byte per second while --${name}-max-timeout (${max}) exceeds --${name}-timeout (${t}), or give --${name}-max-timeout 0`,
      );
    }
    return `${name}=${t}${max > t ? `-${max}` : ''}${rate ? `,MinRate=${rate}` : ''}`;
  };
  return [
    clause('header', opts.headerTimeout, opts.headerMaxTimeout, opts.headerMinRate),
    clause('body', opts.bodyTimeout, opts.bodyMaxTimeout, opts.bodyMinRate),
  ].join(' ');
}

/** Listen's argument, the URL shown to the user and the ServerName. */
export function listenerOf(opts: Options): Pick<CoreConfig, 'listen' | 'url' | 'serverName'> {
  const listenHost = opts.host ? urlHost(opts.host) : undefined;
  const listen = listenHost ? `${listenHost}:${opts.port}` : String(opts.port);
  const shownHost =
    !opts.host || opts.host === '0.0.0.0' || opts.host === '::' || opts.host === '[::]'
      ? 'localhost'
      : urlHost(opts.host);
  // With --server-name (feature https) other host names are refused, so the URL uses that name.
  const url = `http://${opts.serverName ?? shownHost}${opts.port === 80 ? '' : `:${opts.port}`}/`;
  // ServerName takes a host name; an IPv6 literal there is refused.
  const serverName = `${shownHost.startsWith('[') ? 'localhost' : shownHost}:${opts.port}`;
  return { listen, url, serverName };
}
