import { SeededRandom } from '@leadscore/seeded-random';

const DAY_MS = 86_400_000;

/** A behaviour whose true effect on the odds of converting is known. */
export interface TrueBehaviour {
  /** The rule id of the matching rule in the miscalibrated grid (MISCALIBRATED_GRID_YAML). */
  readonly ruleId: string;
  readonly description: string;
  /** Share of contacts who do it at least once. */
  readonly reach: number;
  /** True log-odds added when the contact did it at least once (repeats add nothing). */
  readonly effect: number;
  /** The events (or the profile update) that express it. */
  readonly event: { readonly type: string; readonly properties: Readonly<Record<string, string>> };
}

/**
 * The ground truth, strongest positive first. Effects are ≥ 0.45 apart so a few thousand
 * contacts are enough to recover their order.
 */
export const TRUE_BEHAVIOURS: readonly TrueBehaviour[] = [
  {
    ruleId: 'demo-requests',
    description: 'asks for a demo',
    reach: 0.12,
    effect: 2.2,
    event: { type: 'demo_requested', properties: {} },
  },
  {
    ruleId: 'pricing-visits',
    description: 'visits the pricing page',
    reach: 0.35,
    effect: 1.4,
    event: { type: 'page_viewed', properties: { path: '/pricing' } },
  },
  {
    ruleId: 'webinar-attendance',
    description: 'attends a webinar',
    reach: 0.2,
    effect: 0.9,
    event: { type: 'webinar_attended', properties: {} },
  },
  {
    ruleId: 'white-papers',
    description: 'downloads a white paper',
    reach: 0.3,
    effect: 0.45,
    event: { type: 'asset_downloaded', properties: { velocity: 'low' } },
  },
  {
    ruleId: 'blog-visits',
    description: 'reads the blog (no effect)',
    reach: 0.6,
    effect: 0,
    event: { type: 'page_viewed', properties: { path: '/blog/post' } },
  },
  {
    ruleId: 'careers-visits',
    description: 'visits the careers page',
    reach: 0.15,
    effect: -0.9,
    event: { type: 'page_viewed', properties: { path: '/careers' } },
  },
  {
    ruleId: 'unsubscribed',
    description: 'unsubscribes from emails',
    reach: 0.15,
    effect: -1.5,
    event: { type: 'email_unsubscribed', properties: {} },
  },
  {
    ruleId: 'job-seeker',
    description: 'has the job-seeker persona',
    reach: 0.1,
    effect: -2.1,
    event: { type: 'contact_updated', properties: { persona: 'job_seeker' } },
  },
];

/** Log-odds of converting for a contact who does none of the behaviours. */
export const TRUE_INTERCEPT = -2.3;

/**
 * A grid over the same behaviours with deliberately wrong points (rewards blog reading,
 * careers visits and unsubscribing, barely counts demos). `learn --grid` on it must find the
 * truth's order; its backtest AUC is the baseline a learned grid must beat.
 */
export const MISCALIBRATED_GRID_YAML = `# A deliberately miscalibrated grid for tests and docs: wrong weights on the right behaviours.
name: miscalibrated
version: 1
thresholds:
  - { name: MQL, at: 1000 }
rules:
  - id: demo-requests
    label: Demo requests
    on: demo_requested
    points: 100
    limit: 100
  - id: pricing-visits
    label: Pricing page visits
    on: page_viewed
    where: { path: /pricing }
    points: 100
    limit: 300
  - id: webinar-attendance
    label: Webinar attendance
    on: webinar_attended
    points: 50
    limit: 50
  - id: white-papers
    label: White papers downloaded
    on: asset_downloaded
    where: { velocity: low }
    points: 200
    limit: 200
  - id: blog-visits
    label: Blog visits
    on: page_viewed
    where: { path: { startsWith: /blog } }
    tiers:
      - { atLeast: 1, points: 500 }
      - { atLeast: 2, points: 1000 }
  - id: careers-visits
    label: Careers page visits
    on: page_viewed
    where: { path: /careers }
    points: 800
    limit: 800
  - id: unsubscribed
    label: Unsubscribed from emails
    on: email_unsubscribed
    points: 300
    limit: 300
  - id: job-seeker
    label: Job seeker
    property: persona
    equals: job_seeker
    points: 200
`;

export interface SyntheticEvent {
  readonly eventId: string;
  readonly contactId: string;
  readonly type: string;
  /** Epoch ms. */
  readonly occurredAt: number;
  readonly properties: Readonly<Record<string, string>>;
}

export interface SyntheticOutcome {
  readonly contactId: string;
  readonly converted: boolean;
  readonly convertedAt?: number;
}

export interface SyntheticHistory {
  /** Sorted by occurredAt. */
  readonly events: readonly SyntheticEvent[];
  readonly outcomes: readonly SyntheticOutcome[];
  /** The end of the history: a good `--at`. */
  readonly end: number;
}

export interface SyntheticHistoryOptions {
  readonly seed: number;
  readonly contacts: number;
  /** Epoch ms; no event occurs after it. */
  readonly end: number;
  /** Length of the history (default 120 days). */
  readonly days?: number;
}

/**
 * Contacts who each do some of TRUE_BEHAVIOURS (each at least once with its `reach`, repeated
 * 1-4 times), plus neutral email noise; each converts with probability
 * sigmoid(TRUE_INTERCEPT + Σ effects). A converter's `convertedAt` follows its last behaviour,
 * and some converters then keep acting (docs visits, unsubscribing from marketing email as
 * customers do): events after `convertedAt` that must not count. Pure and seeded.
 */
export function syntheticHistory(options: SyntheticHistoryOptions): SyntheticHistory {
  const { seed, contacts, end } = options;
  if (!Number.isInteger(contacts) || contacts < 1) throw new RangeError(`contacts must be a positive integer, got ${contacts}`);
  const days = options.days ?? 120;
  const start = end - days * DAY_MS;
  const random = new SeededRandom(seed);
  const events: SyntheticEvent[] = [];
  const outcomes: SyntheticOutcome[] = [];
  let serial = 0;
  // leave room after the last behaviour for a conversion and post-conversion activity
  const activeUntil = end - 10 * DAY_MS;
  const time = (from: number, to: number): number => Math.floor(from + random.next() * (to - from));
  for (let c = 0; c < contacts; c += 1) {
    const contactId = `h-${String(c + 1).padStart(5, '0')}`;
    const emit = (type: string, properties: Readonly<Record<string, string>>, occurredAt: number): void => {
      serial += 1;
      events.push({ eventId: `he-${seed}-${serial.toString(36)}`, contactId, type, occurredAt, properties });
    };
    const signUp = time(start, activeUntil - 5 * DAY_MS);
    let logOdds = TRUE_INTERCEPT;
    let last = signUp;
    const profile: Record<string, string> = { persona: 'buyer' };
    for (const behaviour of TRUE_BEHAVIOURS) {
      if (!random.chance(behaviour.reach)) continue;
      logOdds += behaviour.effect;
      if (behaviour.event.type === 'contact_updated') {
        Object.assign(profile, behaviour.event.properties);
        continue;
      }
      const times = 1 + (random.chance(0.4) ? 1 + random.below(3) : 0);
      for (let k = 0; k < times; k += 1) {
        const at = time(signUp, activeUntil);
        last = Math.max(last, at);
        emit(behaviour.event.type, behaviour.event.properties, at);
      }
    }
    emit('contact_updated', profile, signUp);
    const opens = random.below(4);
    for (let k = 0; k < opens; k += 1) emit('email_opened', {}, time(signUp, activeUntil));
    const converted = random.chance(1 / (1 + Math.exp(-logOdds)));
    if (!converted) {
      outcomes.push({ contactId, converted });
      continue;
    }
    const convertedAt = last + DAY_MS + random.below(4 * DAY_MS);
    outcomes.push({ contactId, converted, convertedAt });
    if (random.chance(0.5)) {
      emit('page_viewed', { path: '/docs' }, time(convertedAt + 1, end));
      if (random.chance(0.6)) emit('email_unsubscribed', {}, time(convertedAt + 1, end));
    }
  }
  events.sort((a, b) => a.occurredAt - b.occurredAt || (a.eventId < b.eventId ? -1 : 1));
  return { events, outcomes, end };
}

/** The events as NDJSON (occurredAt as ISO-8601). */
export function syntheticEventsNdjson(events: readonly SyntheticEvent[]): string {
  return events.map((e) => JSON.stringify({ ...e, occurredAt: new Date(e.occurredAt).toISOString() })).join('\n') + '\n';
}

/** The outcomes as CSV with a header. */
export function syntheticOutcomesCsv(outcomes: readonly SyntheticOutcome[]): string {
  const lines = outcomes.map(
    (o) => `${o.contactId},${o.converted ? 1 : 0},${o.convertedAt === undefined ? '' : new Date(o.convertedAt).toISOString()}`,
  );
  return `contactId,converted,convertedAt\n${lines.join('\n')}\n`;
}
