/** Feature 'services': options and resolver (see types.ts). */
import type { FeatureInput, FeatureResult } from './types.js';

export const OPTIONS = [] as const;

export function resolve(_input: FeatureInput): FeatureResult {
  return {};
}
