import { describe, expect, it } from 'vitest';
import { parseOffsetSelection } from '../src/commands/dlq.js';

describe('dlq replay --offsets', () => {
  it('reads offsets, ranges and partition-qualified entries', () => {
    expect(parseOffsetSelection('3,5-9', 0)).toEqual([
      { partition: 0, from: 3, to: 3 },
      { partition: 0, from: 5, to: 9 },
    ]);
    expect(parseOffsetSelection('2:7, 4:1-2', undefined)).toEqual([
      { partition: 2, from: 7, to: 7 },
      { partition: 4, from: 1, to: 2 },
    ]);
  });

  it('refuses bare offsets when the partition is ambiguous, backwards ranges and junk, naming the entry', () => {
    expect(() => parseOffsetSelection('3', undefined)).toThrow(/"3" has no partition/);
    expect(() => parseOffsetSelection('9-5', 0)).toThrow(/"9-5" ends before it starts/);
    expect(() => parseOffsetSelection('0:x', 0)).toThrow(/"0:x" is not OFFSET/);
    expect(() => parseOffsetSelection(' , ', 0)).toThrow(/names no offset/);
  });
});
