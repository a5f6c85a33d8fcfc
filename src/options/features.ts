/** Every feature's options (src/features/NAME/options.ts: data only), in the order --help lists them. */
import { OPTIONS as compat } from '../features/compat/options.js';
import { OPTIONS as daemon } from '../features/daemon/options.js';
import { OPTIONS as handlers } from '../features/handlers/options.js';
import { OPTIONS as https } from '../features/https/options.js';
import { OPTIONS as logs } from '../features/logs/options.js';
import { OPTIONS as proxy } from '../features/proxy/options.js';
import { OPTIONS as services } from '../features/services/options.js';

export const FEATURE_OPTIONS = [
  ...https,
  ...proxy,
  ...handlers,
  ...daemon,
  ...logs,
  ...services,
  ...compat,
] as const;
