import type { SeededRandom } from '@leadscore/seeded-random';
import { WeightedTable } from './weighted-table.js';

/** Event property values, as the spec allows them (string | number | boolean | null). */
export type EventProperties = Record<string, string | number | boolean | null>;

/** What a contact did, before ids and timestamps are attached. */
export interface Behaviour {
  readonly type: string;
  readonly properties: EventProperties;
}

/** What the generator remembers of one contact, so its story stays plausible. */
export interface ContactMemory {
  persona: PersonaName;
  profiled: boolean;
  phoneKnown: boolean;
  unsubscribed: boolean;
  webinarsRegistered: number;
  emailsSent: number;
  /** The buying signals (SIGNAL_* bits) this contact ever shows: not every hot lead does everything. */
  signals: number;
}

export const SIGNAL_KEY_PAGES = 1;
export const SIGNAL_LOW_ASSET = 2;
export const SIGNAL_HIGH_ASSET = 4;
export const SIGNAL_WEBINAR = 8;
export const SIGNAL_CONTACT_REQUEST = 16;
const ALL_SIGNALS = [SIGNAL_KEY_PAGES, SIGNAL_LOW_ASSET, SIGNAL_HIGH_ASSET, SIGNAL_WEBINAR, SIGNAL_CONTACT_REQUEST] as const;
/** Probability that a contact shows a given buying signal at all (drawn once per contact). */
const SIGNAL_ODDS = 0.55;

export function drawSignals(random: SeededRandom): number {
  let signals = 0;
  for (const signal of ALL_SIGNALS) if (random.chance(SIGNAL_ODDS)) signals |= signal;
  return signals;
}

export type PersonaName = 'hot' | 'warm' | 'cold' | 'dormant' | 'job_seeker';

export interface Persona {
  readonly name: PersonaName;
  /** Share of the contacts with this persona (the shares sum to 1). */
  readonly share: number;
  /** Relative number of events per contact. */
  readonly activity: number;
  /** Probability that the first profile already carries a phone number. */
  readonly phoneAtSignUp: number;
  /** The `persona` contact property values this persona reports (the grid's job-seeker rule reads it). */
  readonly personaValues: readonly string[];
  readonly behaviours: WeightedTable<BehaviourMaker>;
}

type BehaviourMaker = (random: SeededRandom, memory: ContactMemory) => Behaviour;

const JOB_TITLES: Record<PersonaName, readonly string[]> = {
  hot: ['Head of Marketing', 'VP Sales', 'CMO', 'Marketing Operations Manager'],
  warm: ['Marketing Manager', 'Growth Analyst', 'Demand Generation Specialist', 'Product Marketer'],
  cold: ['Content Writer', 'Marketing Assistant', 'Consultant', 'Student'],
  dormant: ['Consultant', 'Analyst', 'Office Manager'],
  job_seeker: ['Marketing Graduate', 'Sales Representative', 'Looking for opportunities'],
};
const COUNTRIES = ['FR', 'DE', 'GB', 'US', 'ES', 'IT', 'NL', 'CA'] as const;
const COMPANY_SIZES = [10, 50, 200, 1000, 5000] as const;
// Pages that score nothing in the starter grid, next to the key pages /pricing and /solutions.
const BROWSING_PATHS = [
  '/',
  '/blog/lead-scoring-101',
  '/blog/mql-vs-sql',
  '/docs/getting-started',
  '/about',
  '/customers',
] as const;

/** 555-01xx numbers are reserved for fiction: no real person's number ever appears. */
function fictionalPhone(random: SeededRandom): string {
  return `+1 555 01${String(random.below(100)).padStart(2, '0')}`;
}

export function profileUpdate(random: SeededRandom, memory: ContactMemory, persona: Persona): Behaviour {
  const properties: EventProperties = {
    persona: random.pick(persona.personaValues),
    jobTitle: random.pick(JOB_TITLES[memory.persona]),
    country: random.pick(COUNTRIES),
    companySize: random.pick(COMPANY_SIZES),
  };
  if (random.chance(persona.phoneAtSignUp)) {
    properties.phone = fictionalPhone(random);
    memory.phoneKnown = true;
  }
  memory.profiled = true;
  return { type: 'contact_updated', properties };
}

const browse: BehaviourMaker = (random) => ({ type: 'page_viewed', properties: { path: random.pick(BROWSING_PATHS) } });
/** A buying signal's behaviour, for the contacts that show that signal; the others browse instead. */
const signal =
  (bit: number, make: BehaviourMaker): BehaviourMaker =>
  (random, memory) =>
    memory.signals & bit ? make(random, memory) : browse(random, memory);
const view =
  (path: string): BehaviourMaker =>
  () => ({ type: 'page_viewed', properties: { path } });
const keyPage = (path: '/pricing' | '/solutions') => signal(SIGNAL_KEY_PAGES, view(path));
const asset = (velocity: 'high' | 'low'): BehaviourMaker =>
  signal(velocity === 'high' ? SIGNAL_HIGH_ASSET : SIGNAL_LOW_ASSET, (random) => ({
    type: 'asset_downloaded',
    properties: { assetId: `${velocity === 'high' ? 'price-list' : 'guide'}-${random.below(6)}`, velocity },
  }));
const webinarRegistered: BehaviourMaker = signal(SIGNAL_WEBINAR, (random, memory) => {
  memory.webinarsRegistered += 1;
  return { type: 'webinar_registered', properties: { webinarId: `wb-${random.below(4)}` } };
});
// One attends what one registered for: an attendance without a registration registers first.
const webinarAttended: BehaviourMaker = signal(SIGNAL_WEBINAR, (random, memory) =>
  memory.webinarsRegistered === 0
    ? webinarRegistered(random, memory)
    : { type: 'webinar_attended', properties: { webinarId: `wb-${random.below(4)}` } },
);
const demoRequested: BehaviourMaker = signal(SIGNAL_CONTACT_REQUEST, (random) => ({
  type: 'demo_requested',
  properties: { product: random.pick(['scoring', 'routing', 'analytics']) },
}));
const form =
  (formType: string): BehaviourMaker =>
  () => ({ type: 'form_submitted', properties: { formType, formId: `form-${formType}` } });
const contactRequestForm = (formType: 'contact' | 'demo') => signal(SIGNAL_CONTACT_REQUEST, form(formType));
// Nothing is mailed to an unsubscribed contact any more: it browses instead.
const emailSent: BehaviourMaker = (random, memory) => {
  if (memory.unsubscribed) return browse(random, memory);
  memory.emailsSent += 1;
  return { type: 'email_sent', properties: { campaignId: `cmp-${memory.emailsSent}` } };
};
// Opens and clicks follow a send.
const emailReaction =
  (type: 'email_opened' | 'email_clicked' | 'email_bounced'): BehaviourMaker =>
  (random, memory) =>
    memory.emailsSent === 0 || memory.unsubscribed
      ? emailSent(random, memory)
      : { type, properties: { campaignId: `cmp-${1 + random.below(memory.emailsSent)}` } };
const unsubscribed: BehaviourMaker = (random, memory) => {
  if (memory.emailsSent === 0 || memory.unsubscribed) return emailSent(random, memory);
  memory.unsubscribed = true;
  return { type: 'email_unsubscribed', properties: { campaignId: `cmp-${memory.emailsSent}` } };
};
const phoneLearned: BehaviourMaker = (random, memory): Behaviour => {
  if (memory.phoneKnown) return { type: 'contact_updated', properties: { jobTitle: random.pick(JOB_TITLES[memory.persona]) } };
  memory.phoneKnown = true;
  return { type: 'contact_updated', properties: { phone: fictionalPhone(random) } };
};

function persona(
  name: PersonaName,
  share: number,
  activity: number,
  phoneAtSignUp: number,
  personaValues: readonly string[],
  behaviours: readonly (readonly [number, BehaviourMaker])[],
): Persona {
  return { name, share, activity, phoneAtSignUp, personaValues, behaviours: new WeightedTable(behaviours) };
}

/**
 * The population. Hot leads read /pricing, download price lists, attend webinars and ask for
 * demos (most cross MQL); warm ones research (guides, blog, a webinar); cold ones mostly receive
 * emails and open a few; dormant ones never open and some unsubscribe (the `unengaged` and
 * `opt-out` rules); job seekers browse /careers and say so in their persona.
 */
export const PERSONAS: readonly Persona[] = [
  persona(
    'hot',
    0.12,
    4,
    0.5,
    ['decision_maker', 'buyer'],
    [
      [14, keyPage('/pricing')],
      [8, keyPage('/solutions')],
      [8, browse],
      [5, asset('high')],
      [5, asset('low')],
      [5, webinarRegistered],
      [5, webinarAttended],
      [2, demoRequested],
      [1.5, contactRequestForm('contact')],
      [1, contactRequestForm('demo')],
      [1, form('newsletter')],
      [10, emailSent],
      [8, emailReaction('email_opened')],
      [4, emailReaction('email_clicked')],
      [0.4, unsubscribed],
      [1.5, phoneLearned],
    ],
  ),
  persona(
    'warm',
    0.28,
    2,
    0.2,
    ['evaluator', 'practitioner'],
    [
      [2, keyPage('/pricing')],
      [4, keyPage('/solutions')],
      [24, browse],
      [6, asset('low')],
      [0.6, asset('high')],
      [4, webinarRegistered],
      [2, webinarAttended],
      [0.4, demoRequested],
      [0.4, contactRequestForm('contact')],
      [3, form('newsletter')],
      [1, form('event')],
      [15, emailSent],
      [10, emailReaction('email_opened')],
      [3, emailReaction('email_clicked')],
      [0.6, unsubscribed],
      [0.8, phoneLearned],
    ],
  ),
  persona(
    'cold',
    0.3,
    1,
    0.05,
    ['practitioner', 'student'],
    [
      [10, browse],
      [0.3, keyPage('/solutions')],
      [0.8, asset('low')],
      [1, form('newsletter')],
      [40, emailSent],
      [5, emailReaction('email_opened')],
      [0.5, emailReaction('email_clicked')],
      [1, emailReaction('email_bounced')],
      [2, unsubscribed],
    ],
  ),
  persona(
    'dormant',
    0.15,
    0.7,
    0.02,
    ['unknown'],
    [
      [3, browse],
      [40, emailSent],
      [2, emailReaction('email_bounced')],
      [3, unsubscribed],
    ],
  ),
  persona(
    'job_seeker',
    0.15,
    1,
    0.3,
    ['job_seeker'],
    [
      [20, view('/careers')],
      [6, browse],
      [1, keyPage('/solutions')],
      [3, form('job_application')],
      [6, emailSent],
      [3, emailReaction('email_opened')],
      [0.5, unsubscribed],
    ],
  ),
];
