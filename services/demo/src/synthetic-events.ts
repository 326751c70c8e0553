import {
  PERSONAS,
  drawSignals,
  profileUpdate,
  type ContactMemory,
  type EventProperties,
  type Persona,
} from './contact-personas.js';
import { SeededRandom } from '@leadscore/seeded-random';
import { seatCompanies } from './demo-companies.js';
import { WeightedTable, upperBound } from './weighted-table.js';

const DAY_MS = 86_400_000;
/** Events are spread over the time range in stream order, each moved by up to ± this much. */
const JITTER_MS = 2 * 3_600_000;
/** Share of the contacts known before the stream starts; the others sign up along the way. */
const INITIAL_CONTACT_SHARE = 0.3;
/** Everyone has signed up once this share of the stream is out. */
const LAST_ARRIVAL_AT = 0.85;
/**
 * Share of the contacts who first visit anonymously (under a cookie id): two key-page views,
 * then they sign up (their profile) and the platform merges the cookie id into them, which
 * makes them an MQL at once with the visits made before (docs/identity.md).
 */
const ANONYMOUS_FIRST_SHARE = 0.15;
const ANONYMOUS_PAGES = ['/pricing', '/solutions'] as const;
/** Duplicates re-send one of the last RECENT_EVENTS events (platforms retry recent sends). */
const RECENT_EVENTS = 512;

/** One behavioural event as a marketing platform sends it (docs/scoring-contract.md §1); `occurredAt` in epoch ms. */
export interface GeneratedEvent {
  readonly eventId: string;
  readonly contactId: string;
  readonly type: string;
  readonly occurredAt: number;
  readonly properties: EventProperties;
}

export interface SyntheticEventOptions {
  /** Same seed (and options) ⇒ the same events, in the same order. */
  readonly seed: number;
  /** Number of contacts (ids `c-00001` …). */
  readonly contacts: number;
  /** Events to generate, duplicates included (default: 40 per contact). */
  readonly events?: number;
  /** The end of the time range (epoch ms): no event occurs after it. */
  readonly now: number;
  /** Length of the time range, ending at `now` (default 30). */
  readonly days?: number;
  /** Share of events that are an exact re-send of a recent one (default 0.02). */
  readonly duplicateRate?: number;
  /**
   * The contact property naming a contact's company (a grid's `accounts.key`). When set, the
   * people of the demo companies (demo-companies.ts) are seated among the contacts known from
   * the start, with their company's personas and buying signals, and their profile carries the
   * company's domain in this property; the other contacts have no company. Unset (the default):
   * no company anywhere, and the stream is the one it was before companies existed.
   */
  readonly companyKey?: string;
}

export const DEFAULT_EVENTS_PER_CONTACT = 40;

/**
 * A realistic synthetic stream, lazily (for streams too large to hold): contacts with personas
 * (hot, warm, cold, dormant, job seekers) sign up over time, each one's first event being a
 * `contact_updated` profile (some visit anonymously first, under a cookie id merged into them
 * after they sign up); time runs forward over [now − days, now] with some disorder;
 * about `duplicateRate` of the events are exact re-sends. Pure: no I/O, no clock, no Math.random.
 */
export function* syntheticEvents(options: SyntheticEventOptions): Generator<GeneratedEvent, void, undefined> {
  const { seed, contacts, now } = options;
  const total = options.events ?? contacts * DEFAULT_EVENTS_PER_CONTACT;
  const days = options.days ?? 30;
  const duplicateRate = options.duplicateRate ?? 0.02;
  checkOptions(contacts, total, now, days, duplicateRate);

  const random = new SeededRandom(seed);
  const population = new WeightedTable(PERSONAS.map((p) => [p.share, p] as const));
  const personas: Persona[] = [];
  const memories: ContactMemory[] = [];
  /** Per contact: the anonymous page views still to come (0: none, or done), and whether its merge is owed. */
  const anonymousViews: number[] = [];
  const mergeOwed: boolean[] = [];
  for (let c = 0; c < contacts; c += 1) {
    const persona = population.draw(random);
    personas.push(persona);
    memories.push({
      persona: persona.name,
      profiled: false,
      phoneKnown: false,
      unsubscribed: false,
      webinarsRegistered: 0,
      emailsSent: 0,
      signals: drawSignals(random),
    });
    const anonymousFirst = random.chance(ANONYMOUS_FIRST_SHARE);
    anonymousViews.push(anonymousFirst ? ANONYMOUS_PAGES.length : 0);
    mergeOwed.push(anonymousFirst);
  }
  const companyOf: (string | undefined)[] = [];
  if (options.companyKey !== undefined) {
    for (const seat of seatCompanies(seed, initialContacts(contacts))) {
      personas[seat.contact] = PERSONAS.find((p) => p.name === seat.member.persona)!;
      memories[seat.contact]!.persona = seat.member.persona;
      memories[seat.contact]!.signals = seat.member.signals;
      // no anonymous visits first: their merge would bring key-page points to any role
      anonymousViews[seat.contact] = 0;
      mergeOwed[seat.contact] = false;
      companyOf[seat.contact] = seat.domain;
    }
  }
  const cumulativeActivity: number[] = [];
  let activitySum = 0;
  for (const persona of personas) {
    activitySum += persona.activity;
    cumulativeActivity.push(activitySum);
  }
  const contactIds = Array.from({ length: contacts }, (_, c) => `c-${String(c + 1).padStart(5, '0')}`);
  const idPrefix = `e-${(seed >>> 0).toString(36)}-`;
  const start = now - days * DAY_MS;
  const recent: GeneratedEvent[] = [];

  for (let i = 0; i < total; i += 1) {
    if (recent.length > 0 && random.chance(duplicateRate)) {
      const original = recent[random.below(recent.length)]!;
      yield { ...original, properties: { ...original.properties } };
      continue;
    }
    const progress = (i + 0.5) / total;
    const arrived = Math.max(
      1,
      Math.ceil(contacts * (INITIAL_CONTACT_SHARE + (1 - INITIAL_CONTACT_SHARE) * Math.min(1, progress / LAST_ARRIVAL_AT))),
    );
    const active = Math.min(contacts, arrived);
    const c = upperBound(cumulativeActivity, random.next() * cumulativeActivity[active - 1]!, active);
    const memory = memories[c]!;
    const persona = personas[c]!;
    const jitter = Math.round((random.next() * 2 - 1) * JITTER_MS);
    const occurredAt = Math.min(now, Math.max(start, Math.floor(start + progress * (now - start)) + jitter));
    const anonymousId = `anon-${(seed >>> 0).toString(36)}-${c.toString(36)}`;
    let contactId = contactIds[c]!;
    let behaviour: { readonly type: string; readonly properties: EventProperties };
    if (anonymousViews[c]! > 0) {
      // before the sign-up: the cookie id is a contact of its own
      const page = ANONYMOUS_PAGES[ANONYMOUS_PAGES.length - anonymousViews[c]!]!;
      anonymousViews[c]! -= 1;
      contactId = anonymousId;
      behaviour = { type: 'page_viewed', properties: { path: page } };
    } else if (!memory.profiled) {
      behaviour = profileUpdate(random, memory, persona);
      const company = companyOf[c];
      if (company !== undefined) behaviour.properties[options.companyKey!] = company;
    } else if (mergeOwed[c]) {
      // the sign-up is known: the platform merges the cookie id into the contact (an identify)
      mergeOwed[c] = false;
      behaviour = { type: 'contact_merged', properties: { mergedFrom: anonymousId } };
    } else {
      behaviour = persona.behaviours.draw(random)(random, memory);
    }
    const event: GeneratedEvent = {
      eventId: idPrefix + i.toString(36),
      contactId,
      type: behaviour.type,
      occurredAt,
      properties: behaviour.properties,
    };
    if (recent.length < RECENT_EVENTS) recent.push(event);
    else recent[i % RECENT_EVENTS] = event;
    yield event;
  }
}

/** How many contacts are known from the start of the stream (at least one). */
function initialContacts(contacts: number): number {
  return Math.max(1, Math.ceil(contacts * INITIAL_CONTACT_SHARE));
}

/** The whole stream as an array: `syntheticEvents` collected. */
export function generateEvents(options: SyntheticEventOptions): GeneratedEvent[] {
  return [...syntheticEvents(options)];
}

/** Thrown (RangeError) for options that cannot make a stream. */
function checkOptions(contacts: number, events: number, now: number, days: number, duplicateRate: number): void {
  if (!Number.isInteger(contacts) || contacts < 1) throw new RangeError(`contacts must be a positive integer, got ${contacts}`);
  if (!Number.isInteger(events) || events < 0) throw new RangeError(`events must be a non-negative integer, got ${events}`);
  if (!Number.isFinite(now)) throw new RangeError(`now must be epoch milliseconds, got ${now}`);
  if (!(days > 0)) throw new RangeError(`days must be positive, got ${days}`);
  if (!(duplicateRate >= 0 && duplicateRate < 1)) throw new RangeError(`duplicateRate must be in [0, 1), got ${duplicateRate}`);
}
