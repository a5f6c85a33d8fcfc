/**
 * resolve(): options + what discovery found + the context → ServerConfig, every decision about
 * the generated server, so that templates only print. The core decides first (./core.ts), then
 * each feature given the core's decisions (src/features/index.ts); their parts are merged here.
 */
import type { Context, Discovery, FeatureName, FeatureResult, Features, ServerConfig } from '../config.js';
import { FEATURES } from '../features/index.js';
import type { Options } from '../options/schema.js';
import { resolveCore } from './core.js';
import { modulesOf } from './modules.js';
import { restartsOf } from './restarts.js';
import { checkSupported } from './supported.js';

export { pythonHomeOf } from './application.js';

export function resolve(opts: Options, discovery: Discovery, ctx: Context): ServerConfig {
  checkSupported(opts, discovery);
  const { wantedModules, ...core } = resolveCore(opts, discovery, ctx);
  const features = Object.fromEntries(
    Object.entries(FEATURES).map(([name, feature]) => [
      name,
      feature.resolve({ opts, ctx, discovery, core }),
    ]),
  ) as unknown as Features;
  const results = Object.values(features) as FeatureResult[];
  const extraModules = results.flatMap((r) => r.modules ?? []);
  const modules = modulesOf(discovery, core.mpm.mpm, [...new Set([...wantedModules, ...extraModules])]);
  const tuning = features.daemon.process;
  const daemon = core.daemon &&
    tuning && {
      ...core.daemon,
      ...tuning,
      ...features.logs.daemonPython,
      serverMetrics: features.handlers.serverMetrics,
    };
  // Under --debugger-startup, pdb holds Apache's start for as long as the user debugs.
  const readyTimeout = features.services.debug?.debuggerStartup
    ? Number.POSITIVE_INFINITY
    : core.readyTimeout;
  return {
    ...core,
    modules,
    daemon,
    mimeTypes: features.handlers.mimeTypes,
    readyTimeout,
    restarts: restartsOf(opts, { ...core, readyTimeout }),
    appExclusions: results.flatMap((r) => r.appExclusions ?? []),
    warnings: [...core.warnings, ...results.flatMap((r) => r.warnings ?? [])],
    features,
    featureOrder: Object.keys(FEATURES) as FeatureName[],
  };
}
