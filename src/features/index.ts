/** Every feature, in the order their template partials are printed at each hook. */
import * as compat from './compat.js';
import * as daemon from './daemon.js';
import * as handlers from './handlers.js';
import * as https from './https.js';
import * as logs from './logs.js';
import * as proxy from './proxy.js';
import * as services from './services.js';

export const FEATURES = { https, proxy, handlers, daemon, logs, services, compat } as const;

export type FeatureName = keyof typeof FEATURES;

/** What each feature's resolver returned, by name: the `features` field of ServerConfig. */
export type Features = { readonly [K in FeatureName]: ReturnType<(typeof FEATURES)[K]['resolve']> };

/** Every feature's options, for the schema. */
export const FEATURE_OPTIONS = [
  ...https.OPTIONS,
  ...proxy.OPTIONS,
  ...handlers.OPTIONS,
  ...daemon.OPTIONS,
  ...logs.OPTIONS,
  ...services.OPTIONS,
  ...compat.OPTIONS,
] as const;
