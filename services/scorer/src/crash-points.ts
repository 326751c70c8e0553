import type { CrashPoint as KitCrashPoint } from '@leadscore/service-kit';

/**
 * Fault injection for the fault-injection tests: named points in the commit protocol where the
 * process may SIGKILL itself, with a configured probability (SCORER_CRASH_POINTS, e.g.
 * "after-state-commit=0.01,after-produce=0.01,before-offset-resolve=0.01"). External kills land
 * mostly while a scorer is idle; these land exactly in the windows the protocol must survive.
 * Off unless configured; never configure it in production.
 */
export type CrashPointName =
  | 'after-state-commit'
  | 'after-produce'
  | 'before-offset-resolve'
  // inside a merge (identity-merger.ts): the trees linked, nothing sealed; sealed, nothing absorbed
  | 'after-identity-link'
  | 'after-seal';
export const CRASH_POINT_NAMES: readonly CrashPointName[] = [
  'after-state-commit',
  'after-produce',
  'before-offset-resolve',
  'after-identity-link',
  'after-seal',
];

export type CrashPoint = KitCrashPoint<CrashPointName>;

// the one implementation, shared with the account service
export { crashPoints } from '@leadscore/service-kit';
