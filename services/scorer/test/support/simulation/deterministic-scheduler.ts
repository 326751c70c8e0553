import type { ScheduleRandom } from './schedule-random.js';

/** A simulated process (a scorer instance's life): once not alive, every step it waits for throws. */
export interface SimProcess {
  readonly name: string;
  alive: boolean;
}

/** What a killed process's pending and later steps throw: the work in flight is lost, as with SIGKILL. */
export class ProcessKilled extends Error {
  constructor(name: string) {
    super(`${name} was killed`);
    this.name = 'ProcessKilled';
  }
}

interface Waiting {
  readonly process: SimProcess;
  readonly resolve: () => void;
  readonly reject: (error: Error) => void;
}

/**
 * Runs simulated processes one step at a time in a seeded order. Every call that would reach a
 * server (Redis, Kafka) first waits for `step`; `runOne` picks one waiting process at random and
 * lets it run until it waits again. Only one process runs at a time, so a run is a function of
 * its seed: between two steps of one process any other may run (a rebalance's zombie, a
 * concurrent writer), and a killed process stops at its next step. A process must call
 * `exited` when its run ends.
 */
export class DeterministicScheduler {
  private readonly waiting: Waiting[] = [];
  /** Resolves when the running process waits again or ends. */
  private settle: (() => void) | undefined;
  steps = 0;

  constructor(private readonly random: ScheduleRandom) {}

  step(process: SimProcess): Promise<void> {
    if (!process.alive) return Promise.reject(new ProcessKilled(process.name));
    const next = new Promise<void>((resolve, reject) => this.waiting.push({ process, resolve, reject }));
    this.settle?.();
    return next;
  }

  /** A process's run ended (it returns or throws): the scheduler goes on without it. */
  exited(): void {
    this.settle?.();
  }

  get idle(): boolean {
    return this.waiting.length === 0;
  }

  /** Lets one waiting process (picked by the seed) run until it waits again or ends. */
  async runOne(): Promise<void> {
    const [next] = this.waiting.splice(this.random.int(0, this.waiting.length - 1), 1);
    this.steps += 1;
    // Processes run on microtasks only (every server call is a step): this resolves before any
    // timer could, so nothing outside the seed decides what runs next.
    const settled = new Promise<void>((resolve) => (this.settle = resolve));
    if (next!.process.alive) next!.resolve();
    else next!.reject(new ProcessKilled(next!.process.name));
    await settled;
    this.settle = undefined;
  }
}
