import type { LifecycleStage } from './event-shapes.js';

/** Lifecycle stages, lowest first. Automatic moves only go up this list. */
export const LIFECYCLE_STAGES: readonly LifecycleStage[] = Object.freeze([
  'SUBSCRIBER',
  'LEAD',
  'MARKETING_QUALIFIED',
  'SALES_QUALIFIED',
  'OPPORTUNITY',
  'CUSTOMER',
]);

export function isLifecycleStage(value: unknown): value is LifecycleStage {
  return typeof value === 'string' && (LIFECYCLE_STAGES as readonly string[]).includes(value);
}
