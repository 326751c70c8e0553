import { describe, expect, it } from 'vitest';
import { topicNames } from '@leadscore/contracts';
import { decodeState, emptyState, encodeState, type LeadEvent } from '@leadscore/engine';
import { inputSource, notYetApplied, withPositions, type PositionedEvent } from '../src/input-positions.js';
import type { InputMessage } from '@leadscore/contracts';

const topics = topicNames('t');
const event = (eventId: string): LeadEvent => ({ eventId, contactId: 'c', type: 'page_viewed', occurredAt: 0, properties: {} });
const at = (source: string, offset: number): PositionedEvent => ({ event: event(`${source}-${offset}`), source, offset });
const message = (topic: string, partition: number): InputMessage => ({
  topic,
  partition,
  offset: '7',
  key: null,
  value: null,
  headers: {},
  timestamp: '0',
});

describe('input positions (exact recognition of redelivered messages)', () => {
  it('names a source by topic and partition', () => {
    expect(inputSource(topics, message(topics.behaviouralEvents, 3))).toBe('b3');
    expect(inputSource(topics, message(topics.contactUpdates, 0))).toBe('u0');
  });

  it('skips messages at or below the offset recorded for their topic-partition, whatever their number', () => {
    const chunk = Array.from({ length: 50 }, (_, i) => at('b0', 100 + i));
    const state = withPositions(emptyState(), chunk.slice(0, 40));
    expect(state.inputPositions).toEqual(new Map([['b0', 139]]));
    expect(notYetApplied(state, chunk)).toEqual(chunk.slice(40));
    // another partition or topic has its own position
    expect(notYetApplied(state, [at('b1', 5), at('u0', 5)])).toHaveLength(2);
    expect(notYetApplied(emptyState(), [at('b0', 0)])).toHaveLength(1);
  });

  it('only raises positions, and they survive the state codec', () => {
    const state = withPositions(withPositions(emptyState(), [at('b0', 9), at('u2', 4)]), [at('b0', 3), at('u2', 8)]);
    expect(state.inputPositions).toEqual(
      new Map([
        ['b0', 9],
        ['u2', 8],
      ]),
    );
    expect(decodeState(encodeState(state)).inputPositions).toEqual(state.inputPositions);
  });
});
