/**
 * A WSGIDaemonProcess line of the rendered httpd.conf, as option → value (numbers as numbers):
 * what mod_wsgi will read, so the tests see the typed daemon fields through the template. The
 * first line, or the one of process group `group` (a service's, service:NAME).
 */
import type { ServerConfig } from '../../../src/config.js';
import { render } from '../../../src/render/render.js';

export function daemonLine(config: ServerConfig, group?: string): Map<string, string | number> {
  const conf = render(config).find((f) => f.path === config.paths.httpdConf)?.content ?? '';
  const line = conf
    .split('\n')
    .find((l) => l.startsWith(group === undefined ? 'WSGIDaemonProcess ' : `WSGIDaemonProcess "${group}" `));
  const options = new Map<string, string | number>();
  for (const [, key, quoted] of (line ?? '').matchAll(/ ([a-z-]+)="((?:[^"\\]|\\.)*)"/g)) {
    const value = (quoted as string).replace(/\\(.)/g, '$1');
    options.set(key as string, /^\d+(\.\d+)?$/.test(value) ? Number(value) : value);
  }
  return options;
}
