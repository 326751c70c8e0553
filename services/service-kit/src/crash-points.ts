/**
 * Fault injection for the fault-injection tests: named points in a commit protocol where the
 * process may SIGKILL itself, with a configured probability (SCORER_CRASH_POINTS,
 * ACCOUNTS_CRASH_POINTS, e.g. "after-state-commit=0.01,after-produce=0.01,before-offset-resolve=0.01").
 * External kills land mostly while a service is idle; these land exactly in the windows the
 * protocol must survive. Off unless configured; never configure it in production.
 */

/** The points every service running the compare-and-set + outbox protocol has (a service may add its own). */
export type CommitCrashPointName = 'after-state-commit' | 'after-produce' | 'before-offset-resolve';
export const COMMIT_CRASH_POINT_NAMES: readonly CommitCrashPointName[] = [
  'after-state-commit',
  'after-produce',
  'before-offset-resolve',
];

export type CrashPoint<Name extends string = CommitCrashPointName> = (name: Name) => void;

export function crashPoints<Name extends string>(
  probabilities: ReadonlyMap<Name, number>,
  random: () => number = Math.random,
): CrashPoint<Name> | undefined {
  if (probabilities.size === 0) return undefined;
  return (name) => {
    const p = probabilities.get(name);
    if (p !== undefined && random() < p) process.kill(process.pid, 'SIGKILL');
  };
}
