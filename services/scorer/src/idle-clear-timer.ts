/**
 * Sends the outbox clears still owed when no round trip carried them within `delayMs` (the
 * stream went quiet). A failed flush keeps the clears owed and tries again later: a clear only
 * saves memory and a duplicate produce, it never decides what is owed.
 */
export class IdleClearTimer {
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(
    private readonly flush: () => Promise<void>,
    private readonly delayMs: number,
  ) {}

  /** Flushes within `delayMs` unless a flush is already planned; after stop, at once. */
  schedule(): void {
    if (this.stopped) {
      void this.flush().catch(() => undefined);
      return;
    }
    if (this.timer !== undefined) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.flush().catch(() => this.schedule());
    }, this.delayMs);
    this.timer.unref();
  }

  /** Flushes what is owed now; later schedules flush at once (chunks still finishing). */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    await this.flush().catch(() => undefined);
  }
}
