/**
 * Every feature's resolver, in the order their template partials are printed at each hook.
 * Imported by src/resolve/index.ts only: the option schema takes each feature's options.ts
 * directly (src/options/features.ts), so loading the options never loads a resolver.
 */
import type { FeatureInput, Features } from '../config.js';
import * as compat from './compat/resolve.js';
import * as daemon from './daemon/resolve.js';
import * as handlers from './handlers/resolve.js';
import * as https from './https/resolve.js';
import * as logs from './logs/resolve.js';
import * as proxy from './proxy/resolve.js';
import * as services from './services/resolve.js';

export const FEATURES: { readonly [K in keyof Features]: { resolve(input: FeatureInput): Features[K] } } = {
  https,
  proxy,
  handlers,
  daemon,
  logs,
  services,
  compat,
};

export type FeatureName = keyof Features;
