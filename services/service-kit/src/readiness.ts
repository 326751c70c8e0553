/**
 * What /readyz reports: a service is ready when none of its named checks has a problem
 * (consumer in its group, producer connected, Redis answering, start-up finished...).
 * Liveness (/healthz) deliberately depends on none of these: restarting a process because
 * Kafka or Redis is down only adds rebalance storms.
 */
export class Readiness {
  private readonly problems = new Map<string, string>();

  set(check: string, problem: string | null): void {
    if (problem === null) this.problems.delete(check);
    else this.problems.set(check, problem);
  }

  get ready(): boolean {
    return this.problems.size === 0;
  }

  report(): Record<string, string> {
    return Object.fromEntries(this.problems);
  }
}
