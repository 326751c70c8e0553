import { describe, expect, it } from 'vitest';
import type { LeadEvent } from '@leadscore/engine';
import type { ContactView } from '@leadscore/read-api';
import { contactTimeline } from '../src/contact-timeline.js';

const view: ContactView = {
  contactId: 'c-1',
  score: 1000,
  breakdown: [{ ruleId: 'key-pages', label: 'Visits', count: 2, points: 1000 }],
  thresholdsReached: [{ name: 'MQL', at: 1000 }],
  lifecycle: {
    stage: null,
    history: [
      {
        crossingId: 'x-1',
        threshold: 'MQL',
        direction: 'UP',
        score: 1000,
        recordedAt: 4_000,
        from: 'LEAD',
        outcome: 'moved',
        to: 'MARKETING_QUALIFIED',
      },
    ],
  },
  recentChanges: [
    {
      id: 's-2',
      scoreId: 'score',
      sequence: 2,
      previousScore: 500,
      score: 1000,
      delta: 500,
      cause: { kind: 'EVENT', eventId: 'e-2' },
      changedRules: [{ ruleId: 'key-pages', label: 'Visits', count: 2, points: 1000, previousPoints: 500 }],
      grid: { name: 'starter', version: 1 },
      evaluatedAt: 3_000,
    },
  ],
  grid: { name: 'starter', version: 1 },
  evaluatedAt: 5_000,
};

describe("a contact's timeline", () => {
  it('merges events, score changes and stage changes, newest first, naming causes and rules', () => {
    const events: LeadEvent[] = [
      { eventId: 'e-1', contactId: 'c-1', type: 'page_viewed', occurredAt: 1_000, properties: { path: '/pricing' } },
      { eventId: 'e-2', contactId: 'c-1', type: 'page_viewed', occurredAt: 2_000, properties: { path: '/solutions' } },
      { eventId: 'e-3', contactId: 'c-1', type: 'contact_updated', occurredAt: 2_500, properties: { email: 'a@example.com' } },
    ];
    expect(contactTimeline(view, events)).toEqual([
      { at: 4_000, kind: 'stage', what: 'LEAD → MARKETING_QUALIFIED', detail: 'MQL UP at 1000' },
      { at: 3_000, kind: 'score', what: '500 → 1000', detail: 'EVENT e-2; key-pages +500' },
      { at: 2_500, kind: 'event', what: 'contact_updated', detail: 'e-3' },
      { at: 2_000, kind: 'event', what: 'page_viewed', detail: 'e-2: changed the score' },
      { at: 1_000, kind: 'event', what: 'page_viewed', detail: 'e-1' },
    ]);
  });

  it('never shows event properties (they may hold PII)', () => {
    const events = [
      { eventId: 'e-3', contactId: 'c-1', type: 'contact_updated', occurredAt: 2_500, properties: { email: 'a@example.com' } },
    ];
    expect(JSON.stringify(contactTimeline(view, events))).not.toContain('example.com');
  });

  it('without a history, shows what Redis holds: score and stage changes', () => {
    expect(contactTimeline(view).map((e) => e.kind)).toEqual(['stage', 'score']);
  });
});
