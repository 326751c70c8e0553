import { SeededRandom } from '@leadscore/seeded-random';
import type { RawEvent } from './streams.js';

const DAY = 86_400_000;

/** A seeded `[0, 1)` source, so a failing run can be reproduced from its seed. */
export function seededRandom(seed: number): () => number {
  const random = new SeededRandom(seed);
  return () => random.next();
}

type Template = (r: () => number) => Pick<RawEvent, 'type' | 'properties'>;

// Weighted so that many contacts cross MQL and some cross back down (unsubscribe, job seeker).
const TEMPLATES: [number, Template][] = [
  [
    30,
    (r) => ({ type: 'page_viewed', properties: { path: ['/pricing', '/solutions', '/blog', '/careers'][Math.floor(r() * 4)]! } }),
  ],
  [
    10,
    (r) => ({
      type: 'asset_downloaded',
      properties: { velocity: r() < 0.4 ? 'high' : 'low', assetId: `a${Math.floor(r() * 20)}` },
    }),
  ],
  [6, () => ({ type: 'webinar_registered', properties: {} })],
  [4, () => ({ type: 'webinar_attended', properties: {} })],
  [3, () => ({ type: 'demo_requested', properties: {} })],
  [4, (r) => ({ type: 'form_submitted', properties: { formType: r() < 0.5 ? 'contact' : 'newsletter' } })],
  [15, () => ({ type: 'email_sent', properties: {} })],
  [10, () => ({ type: 'email_opened', properties: {} })],
  [6, () => ({ type: 'email_unsubscribed', properties: {} })],
  [
    6,
    (r): Pick<RawEvent, 'type' | 'properties'> => {
      const properties: Record<string, string | null> = {};
      if (r() < 0.5) properties['phone'] = r() < 0.8 ? '+1 555 0100' : null;
      else properties['persona'] = r() < 0.3 ? 'job_seeker' : 'buyer';
      return { type: 'contact_updated', properties };
    },
  ],
];
const TOTAL_WEIGHT = TEMPLATES.reduce((sum, [w]) => sum + w, 0);

/**
 * A seeded mix of starter-grid events for `contacts` contacts, timestamps within the `days`
 * before `now`, with ~2 % exact re-sends of earlier events (duplicates by eventId).
 */
export function eventMix(options: { seed: number; contacts: number; events: number; now: number; days?: number }): RawEvent[] {
  const r = seededRandom(options.seed);
  const days = options.days ?? 20;
  const out: RawEvent[] = [];
  for (let i = 0; i < options.events; i += 1) {
    if (out.length > 10 && r() < 0.02) {
      out.push(out[Math.floor(r() * out.length)]!);
      continue;
    }
    let pick = r() * TOTAL_WEIGHT;
    let template = TEMPLATES[0]![1];
    for (const [weight, t] of TEMPLATES) {
      if ((pick -= weight) < 0) {
        template = t;
        break;
      }
    }
    out.push({
      eventId: `e${options.seed}-${i}`,
      contactId: `c${Math.floor(r() * options.contacts)}`,
      occurredAt: options.now - Math.floor(r() * days * DAY) - 1,
      ...template(r),
    });
  }
  return out;
}

/** The events as NDJSON lines (occurredAt as epoch ms), the input of `leadscore replay`. */
export function toNdjsonLines(events: readonly RawEvent[]): string[] {
  return events.map((e) => JSON.stringify({ ...e, properties: e.properties ?? {} }));
}
