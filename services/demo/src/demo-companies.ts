import { SeededRandom } from '@leadscore/seeded-random';
import {
  SIGNAL_CONTACT_REQUEST,
  SIGNAL_HIGH_ASSET,
  SIGNAL_KEY_PAGES,
  SIGNAL_LOW_ASSET,
  SIGNAL_WEBINAR,
  type PersonaName,
} from './contact-personas.js';

/** One person at a demo company: the persona and the buying signals (SIGNAL_* bits) they show. */
export interface CompanyMember {
  readonly persona: PersonaName;
  readonly signals: number;
}

/** A company of the demo and its people: the story account scoring tells about it. */
export interface DemoCompany {
  /** The account id, in the grid's `accounts.key` property of its people (`.example`: never a real domain). */
  readonly domain: string;
  readonly story: string;
  readonly members: readonly CompanyMember[];
}

const ALL_SIGNALS = SIGNAL_KEY_PAGES | SIGNAL_LOW_ASSET | SIGNAL_HIGH_ASSET | SIGNAL_WEBINAR | SIGNAL_CONTACT_REQUEST;

/**
 * The cast. Each buying signal is worth about 1000 points in the starter grid and a contact
 * scores at most 5000, so the demo's MQA (the top 3 members adding up to 6000) is reached at
 * acme.example, whatever the seed, and never at the others: globex.example's one hot lead is an
 * MQL with colleagues who score nothing, and initech.example's best can reach about 2000.
 */
export const DEMO_COMPANIES: readonly DemoCompany[] = [
  {
    domain: 'acme.example',
    story: 'a buying committee: three hot leads and a researcher',
    members: [
      { persona: 'hot', signals: ALL_SIGNALS },
      { persona: 'hot', signals: SIGNAL_KEY_PAGES | SIGNAL_HIGH_ASSET | SIGNAL_CONTACT_REQUEST },
      { persona: 'hot', signals: SIGNAL_KEY_PAGES | SIGNAL_LOW_ASSET | SIGNAL_WEBINAR },
      { persona: 'warm', signals: SIGNAL_KEY_PAGES | SIGNAL_LOW_ASSET },
    ],
  },
  {
    domain: 'globex.example',
    story: 'one hot lead among colleagues who never engage',
    members: [
      { persona: 'hot', signals: ALL_SIGNALS },
      { persona: 'dormant', signals: 0 },
      { persona: 'dormant', signals: 0 },
      { persona: 'job_seeker', signals: 0 },
    ],
  },
  {
    domain: 'initech.example',
    story: 'researchers and email readers',
    members: [
      { persona: 'warm', signals: SIGNAL_LOW_ASSET | SIGNAL_WEBINAR },
      { persona: 'cold', signals: 0 },
      { persona: 'cold', signals: 0 },
    ],
  },
];

/** A contact given a place at a company: its index in the population, the company and its role. */
export interface CompanySeat {
  readonly contact: number;
  readonly domain: string;
  readonly member: CompanyMember;
}

/**
 * Seats the companies' people among the first `eligible` contacts (those known from the start
 * of the stream, so every company is active from the first seconds), at places drawn from a
 * PRNG of its own: the stream's own sequence of draws is the same with or without companies.
 * With fewer eligible contacts than seats, the first companies are seated first. Pure.
 */
export function seatCompanies(seed: number, eligible: number): CompanySeat[] {
  const places = new SeededRandom((seed ^ 0x5eed_acc0) >>> 0).shuffle(Array.from({ length: eligible }, (_, i) => i));
  const seats: CompanySeat[] = [];
  for (const company of DEMO_COMPANIES)
    for (const member of company.members) {
      const contact = places[seats.length];
      if (contact === undefined) return seats;
      seats.push({ contact, domain: company.domain, member });
    }
  return seats;
}
