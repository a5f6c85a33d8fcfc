/** The block start-server and setup-server print: where everything is and how the server is sized. */
import type { FeatureResult, ServerConfig } from '../config.js';

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : word.endsWith('s') ? 'es' : 's'}`;

export function summaryLines(config: ServerConfig, setupOnly: boolean): [string, string][] {
  const { paths, log, mpm } = config;
  const lines: [string, string][] = [
    ['Server URL', config.url],
    ['Server Root', paths.serverRoot],
    ['Server Conf', paths.httpdConf],
    ['Error Log File', `${log.errorLog} (${log.level})`],
  ];
  if (log.accessLog) {
    lines.push(['Access Log File', log.accessLog.file]);
  }
  if (log.startupLog) {
    lines.push(['Startup Log File', log.startupLog]);
  }
  // The rules file the document root includes: --rewrite-rules, else <root>/rewrite.conf.
  const rewriteRules = config.features.handlers.rewriteRules;
  if (setupOnly || rewriteRules !== paths.rewriteRules) {
    lines.push(['Rewrite Rules', rewriteRules]);
  }
  if (setupOnly) {
    lines.push(['Environ Variables', paths.envvars], ['Control Script', paths.apachectl]);
  }
  if (config.envvarsScript) {
    lines.push(['Envvars Script', config.envvarsScript]);
  }
  lines.push(['Operating Mode', config.mode]);
  if (config.app) {
    const { processes: p, threads: t } = config.capacity;
    lines.push([
      'Application',
      config.app.welcome ? '(built-in welcome page)' : `${config.app.entryPoint} (${config.app.type})`,
    ]);
    if (config.app.mountPoint !== '/') {
      lines.push(['Mount Point', config.app.mountPoint]);
    }
    lines.push(['Request Capacity', `${p * t} (${plural(p, 'process')} * ${plural(t, 'thread')})`]);
  }
  if (config.daemon) {
    const { requestTimeout, listenBacklog, queueTimeout } = config.daemon;
    lines.push(
      ['Request Timeout', `${requestTimeout} (seconds)`],
      ['Queue Backlog', `${listenBacklog} (connections)`],
      ['Queue Timeout', `${queueTimeout} (seconds)`],
    );
  }
  lines.push(
    ['Server Capacity', `${mpm.maxClients} (${mpm.mpm} MPM)`],
    ['Server Backlog', `${config.features.daemon.serverBacklog} (connections)`],
    ['Locale Setting', config.locale],
  );
  for (const result of Object.values(config.features) as FeatureResult[]) {
    lines.push(...(result.summary ?? []).map(([label, value]): [string, string] => [label, value]));
  }
  if (config.startedAsRoot) {
    lines.push(['Run As', `${config.user.name}:${config.group.name} (started as root)`]);
  }
  lines.push(['Apache', `${config.httpd}, mod_wsgi ${config.modWsgiVersion}`]);
  const { path, pythonVersion, why } = config.modWsgiModule;
  lines.push(['mod_wsgi Module', `${path}${pythonVersion ? ` (Python ${pythonVersion})` : ''}, ${why}`]);
  return lines;
}

export function formatSummary(lines: readonly [string, string][]): string {
  return lines.map(([label, value]) => `${label.padEnd(18)} : ${value}`).join('\n');
}
