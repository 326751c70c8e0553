import type { CrashPoint, CrashPointName } from '../../src/crash-points.js';

/** What a crash point throws in tests instead of SIGKILLing the process. */
export class SimulatedCrash extends Error {
  constructor(readonly point: string) {
    super(`simulated crash at ${point}`);
    this.name = 'SimulatedCrash';
  }
}

/**
 * A CrashPoint that dies at `point` on its `nth` passage there (1 = the first), and only once:
 * the process "restarted" after it runs on.
 */
export function crashOnce(point: CrashPointName, nth = 1): CrashPoint & { readonly crashed: () => boolean } {
  let passages = 0;
  let crashed = false;
  const crashPoint = (name: CrashPointName): void => {
    if (name !== point || crashed) return;
    passages += 1;
    if (passages === nth) {
      crashed = true;
      throw new SimulatedCrash(name);
    }
  };
  return Object.assign(crashPoint, { crashed: () => crashed });
}
