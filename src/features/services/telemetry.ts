/** mod_wsgi 6 telemetry: --telemetry-service, or the ingester --enable-telemetry runs as a service. */
import { dirname, join, resolve as resolvePath } from 'node:path';

import type { ExtraDirectory, FeatureInput } from '../../config.js';
import { badValue, UsageError } from '../../errors.js';
import { isDirectory } from '../../resolve/files.js';
import { requirePackage } from './python.js';
import type { ServiceSpec } from './scripts.js';
import type { Telemetry } from './types.js';

export function telemetryOf(
  input: FeatureInput,
  warnings: string[],
): {
  telemetry: Telemetry | undefined;
  service: ServiceSpec | undefined;
  /** The ingester's own directory, for its socket (--enable-telemetry). */
  directory?: ExtraDirectory;
} {
  const { opts, ctx, core } = input;
  if (opts.enableTelemetry && opts.telemetryService) {
    throw new UsageError(
      '--enable-telemetry and --telemetry-service both say where telemetry goes: --enable-telemetry runs its own ingester; give one of them.',
    );
  }
  let target: string | undefined;
  let ingester: Telemetry['ingester'];
  let directory: ExtraDirectory | undefined;
  if (opts.telemetryService) {
    const m = /^unix:(.+)$/.exec(opts.telemetryService);
    if (!m) {
      throw badValue(
        'telemetry-service',
        opts.telemetryService,
        "unix:/path/of/the/ingester.sock (mod_wsgi no longer sends to remote 'udp:' targets)",
      );
    }
    const socket = resolvePath(ctx.cwd, m[1] as string);
    if (!isDirectory(ctx.host, dirname(socket))) {
      throw badValue(
        'telemetry-service',
        opts.telemetryService,
        `a socket in an existing directory (${dirname(socket)} does not exist)`,
      );
    }
    target = `unix:${socket}`;
  } else if (opts.enableTelemetry) {
    requirePackage('enable-telemetry', 'mod_wsgi.telemetry.server', 'mod_wsgi-telemetry', undefined, input);
    // The ingester binds its socket as the account the service runs as (--user, when started as
    // root), which cannot write in root's server root: the socket goes in a directory given to it.
    directory = { path: join(core.paths.serverRoot, 'telemetry'), mode: 0o755, owned: true };
    const socket = join(directory.path, 'telemetry.sock');
    target = `unix:${socket}`;
    ingester = {
      script: join(core.paths.serverRoot, 'telemetry-service.py'),
      argv: [
        'mod_wsgi-telemetry',
        '--listen',
        target,
        '--http-host',
        '127.0.0.1',
        '--http-port',
        String(opts.telemetryUiPort),
      ],
    };
  }
  if (!target) {
    if (opts.slowRequests !== undefined) {
      throw new UsageError(
        '--slow-requests needs a telemetry target: give --telemetry-service or --enable-telemetry.',
      );
    }
    for (const [given, option] of [
      [opts.telemetryOptions.length > 0, 'telemetry-options'],
      [opts.telemetryInterval !== 1, 'telemetry-interval'],
      [opts.telemetryUiPort !== 8888, 'telemetry-ui-port'],
    ] as const) {
      if (given) {
        warnings.push(`--${option} has no effect without --telemetry-service or --enable-telemetry.`);
      }
    }
    return { telemetry: undefined, service: undefined };
  }
  if (!ingester && opts.telemetryUiPort !== 8888) {
    warnings.push('--telemetry-ui-port only applies to the ingester --enable-telemetry runs.');
  }
  return {
    telemetry: {
      target,
      interval: `interval=${opts.telemetryInterval}`,
      slowRequests: opts.slowRequests === undefined ? undefined : String(opts.slowRequests),
      options: opts.telemetryOptions.map((v) => v.trim().split(/\s+/)),
      ingester,
    },
    service: ingester && { name: 'telemetry', script: ingester.script },
    directory,
  };
}
