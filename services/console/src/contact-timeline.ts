import type { LeadEvent } from '@leadscore/engine';
import type { ContactView } from '@leadscore/read-api';

/** One line of a contact page's timeline, newest first. */
export interface TimelineEntry {
  readonly at: number;
  readonly kind: 'event' | 'score' | 'stage';
  /** The event type, `previous → score`, or `stage → stage`. */
  readonly what: string;
  /** Why: the event's id (and whether it changed the score), the cause and rules, the threshold. */
  readonly detail: string;
}

/** How many entries a contact page shows. */
export const TIMELINE_LENGTH = 100;

/**
 * A contact's timeline: its events as the console's history holds them (when it has one: the
 * scorer keeps no events), its recent score changes with their causes and changed rules, and its
 * lifecycle stage changes. Events show their type and id only: their properties may hold PII
 * (contact_updated carries emails and phones), and the per-rule breakdown already says what counted.
 */
export function contactTimeline(view: ContactView, events: readonly LeadEvent[] = []): TimelineEntry[] {
  const changedBy = new Map(view.recentChanges.map((c) => [c.cause.eventId, c]));
  const entries: TimelineEntry[] = [
    ...events.map((e) => ({
      at: e.occurredAt,
      kind: 'event' as const,
      what: e.type,
      detail: changedBy.has(e.eventId) ? `${e.eventId}: changed the score` : e.eventId,
    })),
    ...view.recentChanges.map((c) => ({
      at: c.evaluatedAt,
      kind: 'score' as const,
      what: `${c.previousScore} → ${c.score}`,
      detail: [
        c.cause.kind + (c.cause.eventId ? ` ${c.cause.eventId}` : ''),
        ...c.changedRules.map((r) => `${r.ruleId} ${signed(r.points - r.previousPoints)}`),
      ].join('; '),
    })),
    ...view.lifecycle.history.map((h) => ({
      at: h.recordedAt,
      kind: 'stage' as const,
      what: h.outcome === 'moved' ? `${h.from ?? 'none'} → ${h.to}` : `${h.from ?? 'none'} (${h.outcome})`,
      detail: `${h.threshold} ${h.direction} at ${h.score}`,
    })),
  ];
  return entries.sort((a, b) => b.at - a.at).slice(0, TIMELINE_LENGTH);
}

function signed(n: number): string {
  return n >= 0 ? `+${n}` : String(n);
}
