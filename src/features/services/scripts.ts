/** --service-script and the --service-* options naming a service: one daemon process group each. */
import { dirname, isAbsolute, join } from 'node:path';

import type { Account, CoreConfig, FeatureInput, Host } from '../../config.js';
import { badValue } from '../../errors.js';
import { existingFile, isDirectory } from '../../resolve/files.js';
import { rotatedLog } from '../../resolve/rotation.js';
import type { Service, ServiceProcess } from './types.js';

const SERVICE_NAME = /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/;

export interface ServiceSpec {
  readonly name: string;
  readonly script: string;
}

/** The pairs of a --service-* option as a map, each NAME checked against the declared services. */
function perService(
  option: string,
  values: readonly (readonly [string, string])[],
  names: ReadonlySet<string>,
): Map<string, string> {
  const out = new Map<string, string>();
  for (const [name, value] of values) {
    if (!names.has(name)) {
      throw badValue(
        option,
        name,
        `the NAME of a --service-script (${names.size ? [...names].join(', ') : 'none is given'})`,
      );
    }
    if (out.has(name)) {
      throw badValue(option, name, 'each service named once');
    }
    out.set(name, value);
  }
  return out;
}

/** Port of the never-used virtual host: one Apache does not listen on. */
const unusedPort = (core: CoreConfig) => (core.port === 1 ? 2 : 1);

export function servicesOf(
  input: FeatureInput,
  extra: readonly ServiceSpec[],
  warnings: string[],
): Service[] {
  const { opts, ctx, core } = input;
  const specs: ServiceSpec[] = [];
  for (const [name, script] of opts.serviceScript) {
    if (!SERVICE_NAME.test(name)) {
      throw badValue(
        'service-script',
        name,
        'a service NAME of letters, digits, _, . and - (then the script path)',
      );
    }
    if (specs.some((s) => s.name === name) || extra.some((s) => s.name === name)) {
      const why = extra.some((s) => s.name === name)
        ? `a NAME other than ${name}: --enable-telemetry runs a service of that name`
        : 'each service NAME once';
      throw badValue('service-script', name, why);
    }
    specs.push({ name, script: existingFile(ctx, 'service-script', script) });
  }
  specs.push(...extra);
  const names = new Set(specs.map((s) => s.name));
  const users = perService('service-user', opts.serviceUser, names);
  const groups = perService('service-group', opts.serviceGroup, names);
  const logs = perService('service-log-file', opts.serviceLogFile, names);
  if ((users.size || groups.size) && !core.startedAsRoot) {
    warnings.push(
      '--service-user and --service-group only take effect when express-wsgi is started as root.',
    );
  }
  const account = (option: string, value: string, look: (v: string) => Account | undefined): Account => {
    const found = look(value);
    if (!found) {
      throw badValue(
        option,
        value,
        `an existing ${option === 'service-user' ? 'account name or #uid' : 'group name or #gid'}`,
      );
    }
    return found;
  };

  return specs.map((spec): Service => {
    const user = users.has(spec.name)
      ? account('service-user', users.get(spec.name) as string, (v) => ctx.host.accounts.user(v))
      : undefined;
    if (user && user.id === 0) {
      throw badValue(
        'service-user',
        user.name,
        'an unprivileged account: mod_wsgi refuses to run a daemon process as root',
      );
    }
    const group = groups.has(spec.name)
      ? account('service-group', groups.get(spec.name) as string, (v) => ctx.host.accounts.group(v))
      : undefined;
    // As for --group: group root would let the service read and write whatever root's group may.
    if (group && group.id === 0) {
      throw badValue(
        'service-group',
        group.name,
        'an unprivileged group: a service must not run with group root (gid 0)',
      );
    }
    const logFile = logs.has(spec.name)
      ? serviceLogFile(logs.get(spec.name) as string, core, ctx.host)
      : undefined;
    const rotation = core.log.rotation;
    const process: ServiceProcess = {
      displayName: '%{GROUP}',
      user: core.startedAsRoot && user ? user.name : null,
      group: core.startedAsRoot && group ? group.name : null,
      home: core.workingDirectory,
      threads: 0,
      pythonHome: core.pythonHome ?? null,
      pythonPath: core.pythonPath.length ? core.pythonPath.join(':') : null,
      lang: core.locale,
      locale: core.locale,
    };
    return {
      name: spec.name,
      group: `service:${spec.name}`,
      script: spec.script,
      process,
      logFile,
      logTarget: logFile && rotation ? rotatedLog(rotation, logFile) : logFile,
      vhost: logFile ? `127.0.0.1:${unusedPort(core)}` : undefined,
    };
  });
}

function serviceLogFile(value: string, core: CoreConfig, host: Host): string {
  const path = isAbsolute(value) ? value : join(core.paths.logDirectory, value);
  // The server root (the default log directory) is created when the files are written.
  if (dirname(path) !== core.paths.serverRoot && !isDirectory(host, dirname(path))) {
    throw badValue(
      'service-log-file',
      value,
      `a file in an existing directory (${dirname(path)} does not exist)`,
    );
  }
  if (value.endsWith('/') || isDirectory(host, path)) {
    throw badValue('service-log-file', value, 'a file name (it is a directory)');
  }
  if ([core.log.errorLog, core.log.accessLog?.file].includes(path)) {
    throw badValue('service-log-file', value, 'a file other than the main error and access logs');
  }
  return path;
}
