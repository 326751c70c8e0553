import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { OffsetCommitter, type PartitionOffset } from '../src/offset-committer.js';

describe('OffsetCommitter: resolved offsets committed on a timer, off the chunk path', () => {
  beforeEach(() => void vi.useFakeTimers());
  afterEach(() => void vi.useRealTimers());

  function committer(commit: (offsets: readonly PartitionOffset[]) => Promise<void> = async () => undefined) {
    const commits: PartitionOffset[][] = [];
    const errors: unknown[] = [];
    const c = new OffsetCommitter(
      async (offsets) => {
        commits.push([...offsets]);
        await commit(offsets);
      },
      1_000,
      (error) => errors.push(error),
    );
    return { c, commits, errors };
  }

  it('commits the next offset to read of each partition once the interval is over, not before', async () => {
    const { c, commits } = committer();
    c.resolved('t', 0, '41');
    c.resolved('t', 0, '99');
    c.resolved('u', 3, '7');
    c.schedule();
    await vi.advanceTimersByTimeAsync(999);
    expect(commits).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(commits).toEqual([
      [
        { topic: 't', partition: 0, offset: '100' },
        { topic: 'u', partition: 3, offset: '8' },
      ],
    ]);
    expect(c.waiting).toEqual([]);
    await vi.advanceTimersByTimeAsync(5_000);
    expect(commits).toHaveLength(1); // nothing new: no commit
  });

  it('keeps what was resolved during a commit for the next one', async () => {
    let release!: () => void;
    const { c, commits } = committer(() => new Promise<void>((r) => (release = r)));
    c.resolved('t', 0, '1');
    c.schedule();
    await vi.advanceTimersByTimeAsync(1_000);
    c.resolved('t', 0, '2'); // while the first commit is in flight
    release();
    await vi.advanceTimersByTimeAsync(0);
    expect(c.waiting).toEqual([{ topic: 't', partition: 0, offset: '3' }]);
    await vi.advanceTimersByTimeAsync(1_000);
    release();
    await vi.advanceTimersByTimeAsync(0);
    expect(commits.map((batch) => batch.map((o) => o.offset))).toEqual([['2'], ['3']]);
    expect(c.waiting).toEqual([]);
  });

  it('a failed commit keeps its offsets and is retried a second later; the error is reported', async () => {
    let fail = true;
    const { c, commits, errors } = committer(async () => {
      if (fail) throw new Error('coordinator not available');
    });
    c.resolved('t', 0, '5');
    c.schedule();
    await vi.advanceTimersByTimeAsync(1_000);
    expect(errors).toHaveLength(1);
    expect(c.waiting).toEqual([{ topic: 't', partition: 0, offset: '6' }]);
    fail = false;
    await vi.advanceTimersByTimeAsync(1_000);
    expect(commits).toHaveLength(2);
    expect(c.waiting).toEqual([]);
  });

  it('flush commits at once through the committer it is given (a stopping consumer, a rebalance)', async () => {
    const { c, commits } = committer();
    const other: PartitionOffset[][] = [];
    c.resolved('t', 1, '9');
    await c.flush(async (offsets) => void other.push([...offsets]));
    expect(other).toEqual([[{ topic: 't', partition: 1, offset: '10' }]]);
    expect(commits).toEqual([]);
    expect(c.waiting).toEqual([]);
  });

  it('forget drops what waits (the assignment changed); stop ends the timer', async () => {
    const { c, commits } = committer();
    c.resolved('t', 0, '1');
    c.forget();
    c.schedule();
    await vi.advanceTimersByTimeAsync(2_000);
    expect(commits).toEqual([]);
    c.resolved('t', 0, '2');
    c.schedule();
    c.stop();
    await vi.advanceTimersByTimeAsync(2_000);
    expect(commits).toEqual([]);
    expect(c.waiting).toEqual([{ topic: 't', partition: 0, offset: '3' }]);
  });
});
