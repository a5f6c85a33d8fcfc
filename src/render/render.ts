/**
 * ServerConfig → the text of every generated file, through the handlebars templates in templates/
 * (templates.ts); each template quotes for its own language with the helpers of helpers.ts.
 */
import type { FeatureResult, ServerConfig } from '../config.js';
import { shellQuote } from './quote.js';
import { template } from './templates.js';

export interface RenderedFile {
  /** Absolute path in the server root. */
  readonly path: string;
  readonly content: string;
  readonly mode: number;
  /** Written only when missing: the user's own edits survive a rerun. */
  readonly keepExisting?: boolean;
  /** Replacing one, it keeps the old one's modification time (src/server-root/write.ts). */
  readonly keepModified?: boolean;
}

export function render(config: ServerConfig): RenderedFile[] {
  // The command line goes into a comment: a line break there would start a line of code.
  const shellCommand = config.argv
    .map(shellQuote)
    .join(' ')
    .replace(/[\r\n]/g, '\\n');
  const data = { ...config, shellCommand };
  const { paths } = config;
  const files: RenderedFile[] = [
    { path: paths.httpdConf, content: template('httpd.conf')(data), mode: 0o644 },
    { path: paths.apachectl, content: template('apachectl')(data), mode: 0o755 },
    { path: paths.steerListeners, content: template('steer-listeners.pl')(data), mode: 0o644 },
    {
      path: paths.envvars,
      content: '# Sourced by apachectl before Apache starts: export variables here. Kept across reruns.\n',
      mode: 0o644,
      keepExisting: true,
    },
    {
      path: paths.rewriteRules,
      content: '# mod_rewrite rules applied in the document root before the app. Kept across reruns.\n',
      mode: 0o644,
      keepExisting: true,
    },
  ];
  if (config.app) {
    files.push({
      path: paths.handler,
      content: template('handler.wsgi')(data),
      mode: 0o644,
      keepModified: true,
    });
    if (config.appCheck && 'python' in config.appCheck) {
      files.push({ path: paths.checkApp, content: template('check-app.py')(data), mode: 0o644 });
    }
    if (config.app.welcome) {
      files.push({ path: paths.welcome, content: template('welcome.wsgi')(data), mode: 0o644 });
    }
  }
  for (const result of Object.values(config.features) as FeatureResult[]) {
    for (const extra of result.files ?? []) {
      files.push({ path: extra.path, content: template(extra.template)(data), mode: extra.mode });
    }
  }
  return files;
}
