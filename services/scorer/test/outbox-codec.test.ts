import { describe, expect, it } from 'vitest';
import { decodeOutbox, encodeOutbox } from '../src/outbox-codec.js';

describe('outbox codec', () => {
  it('round-trips binary values, keys and headers; an empty outbox is the empty string', () => {
    const owed = [
      { topic: 't.score-changed', message: { key: 'c-1', value: Buffer.from([0, 1, 2, 255]), headers: { 'x-id': 'abc' } } },
      { topic: 't.threshold-crossed', message: { key: null, value: Buffer.alloc(0) } },
    ];
    expect(encodeOutbox([])).toBe('');
    expect(decodeOutbox('')).toEqual([]);
    expect(decodeOutbox(encodeOutbox(owed))).toEqual(owed);
  });
});
