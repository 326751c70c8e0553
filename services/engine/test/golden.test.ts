import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { applyEvent, emptyState, replayEvents, scoreAt, type LeadEvent } from '../src/index.js';
import { EXAMPLES_DIR, at, event, starterGrid } from './support/starter-grid.js';

const grid = starterGrid();
const NOW = at('2026-03-10T00:00:00Z');

function run(events: readonly LeadEvent[], now = NOW) {
  let state = emptyState();
  const outputs = [];
  for (const e of events) {
    const evaluation = applyEvent(grid, state, e, now);
    state = evaluation.state;
    if (evaluation.output !== null) outputs.push(evaluation.output);
  }
  return { state, outputs, score: scoreAt(grid, state, now) };
}

const points = (score: ReturnType<typeof scoreAt>, ruleId: string): number | undefined =>
  score.contributions.find((c) => c.ruleId === ruleId)?.points;

describe('docs/scoring-contract.md §5: the seed grid, golden example', () => {
  it('3 /pricing visits, one high-velocity asset, then an unsubscribe: 1500, MQL crossed once, up', async () => {
    const lines = readFileSync(`${EXAMPLES_DIR}seed-example.ndjson`, 'utf8').split('\n');
    const result = await replayEvents(grid, lines, NOW);
    expect(result.badLines).toEqual([]);
    // The golden file is also what `leadscore replay --at 2026-03-10T00:00:00Z` prints.
    const golden = readFileSync(`${EXAMPLES_DIR}seed-example.expected.ndjson`, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(result.contacts).toEqual(golden);
    expect(result.contacts[0]).toMatchObject({ score: 1500, crossings: [{ threshold: 'MQL', direction: 'up' }] });
  });

  it('emits one score change per change: 500, 1000, (none for the 3rd visit), 2000, 1500', () => {
    const { outputs } = run([
      event('page_viewed', { path: '/pricing' }),
      event('page_viewed', { path: '/pricing' }),
      event('page_viewed', { path: '/pricing' }),
      event('asset_downloaded', { velocity: 'high' }),
      event('email_unsubscribed'),
    ]);
    expect(outputs.map((o) => [o.sequence, o.previousScore, o.score, o.delta])).toEqual([
      [1, 0, 500, 500],
      [2, 500, 1000, 500],
      [3, 1000, 2000, 1000],
      [4, 2000, 1500, -500],
    ]);
    expect(outputs.flatMap((o) => o.thresholdCrossings.map((x) => [x.threshold, x.direction, x.sequence]))).toEqual([
      ['MQL', 'up', 2],
    ]);
  });

  it.each([
    ['main pages', [['page_viewed', { path: '/solutions' }]], 500],
    [
      'main pages, 2+',
      [
        ['page_viewed', { path: '/solutions' }],
        ['page_viewed', { path: '/pricing' }],
      ],
      1000,
    ],
    ['other pages score nothing', [['page_viewed', { path: '/blog' }]], 0],
    ['low-velocity asset', [['asset_downloaded', { velocity: 'low' }]], 500],
    [
      'low-velocity asset, 2+',
      [
        ['asset_downloaded', { velocity: 'low' }],
        ['asset_downloaded', { velocity: 'low' }],
      ],
      1000,
    ],
    ['low-velocity asset, max', Array.from({ length: 5 }, () => ['asset_downloaded', { velocity: 'low' }]), 1000],
    ['high-velocity asset, max', Array.from({ length: 3 }, () => ['asset_downloaded', { velocity: 'high' }]), 1000],
    [
      'webinar registration',
      [
        ['webinar_registered', {}],
        ['webinar_registered', {}],
      ],
      200,
    ],
    [
      'webinar attendance',
      [
        ['webinar_attended', {}],
        ['webinar_attended', {}],
      ],
      800,
    ],
    [
      'rules are cumulative: registering 200 + attending 800',
      [
        ['webinar_registered', {}],
        ['webinar_attended', {}],
      ],
      1000,
    ],
    [
      'demo request',
      [
        ['demo_requested', {}],
        ['demo_requested', {}],
      ],
      1000,
    ],
    ['contact-request form', [['form_submitted', { formType: 'contact' }]], 1000],
    [
      'demo and contact form together: max 1000',
      [
        ['demo_requested', {}],
        ['form_submitted', { formType: 'demo' }],
      ],
      1000,
    ],
    ['a newsletter form is not a contact request', [['form_submitted', { formType: 'newsletter' }]], 0],
    [
      'unsubscribed, max -500',
      [
        ['email_unsubscribed', {}],
        ['email_unsubscribed', {}],
      ],
      -500,
    ],
  ] as [string, (readonly [string, Record<string, string>])[], number][])('seed table: %s', (_name, events, expected) => {
    const { score } = run(events.map(([type, props]) => event(type, props)));
    expect(score.score).toBe(expected);
  });
});

describe('docs/scoring-contract.md §2 example rules (email, window, property)', () => {
  it('emails-opened gives 10 per open in the last 180 days', () => {
    const { score } = run([
      event('email_opened', {}, { occurredAt: '2026-03-09T10:00:00Z' }),
      event('email_opened', {}, { occurredAt: '2025-09-12T10:00:00Z' }), // day(now) − 179: counts
      event('email_opened', {}, { occurredAt: '2025-09-11T23:59:59Z' }), // day(now) − 180: does not
    ]);
    expect(points(score, 'emails-opened')).toBe(20);
  });

  it('unengaged: 3 sent and no open → -20; an open lifts it (and adds 10)', () => {
    const sent = [event('email_sent'), event('email_sent'), event('email_sent')];
    expect(run(sent).score.score).toBe(-20);
    expect(run(sent.slice(0, 2)).score.score).toBe(0);
    const opened = run([...sent, event('email_opened', {}, { occurredAt: '2026-03-09T10:00:00Z' })]);
    expect(opened.score.score).toBe(10);
    expect(points(opened.score, 'unengaged')).toBe(0);
  });

  it('phone-known +50 while a phone is known; null removes it', () => {
    const set = event('contact_updated', { phone: '+33 1 23 45 67 89' }, { occurredAt: '2026-03-01T10:00:00Z' });
    expect(run([set]).score.score).toBe(50);
    const removed = event('contact_updated', { phone: null }, { occurredAt: '2026-03-02T10:00:00Z' });
    expect(run([set, removed]).score.score).toBe(0);
    expect(run([removed, set]).score.score).toBe(0); // the later occurredAt wins, whatever the order
  });

  it('job-seeker -100 while persona is job_seeker', () => {
    expect(run([event('contact_updated', { persona: 'job_seeker' })]).score.score).toBe(-100);
    expect(run([event('contact_updated', { persona: 'buyer' })]).score.score).toBe(0);
  });

  it('bounds clamp the total at 5000', () => {
    const many = [
      ['page_viewed', { path: '/pricing' }],
      ['page_viewed', { path: '/pricing' }],
      ['asset_downloaded', { velocity: 'low' }],
      ['asset_downloaded', { velocity: 'low' }],
      ['asset_downloaded', { velocity: 'high' }],
      ['webinar_registered', {}],
      ['webinar_attended', {}],
      ['demo_requested', {}],
      ['contact_updated', { phone: '1' }],
    ] as const;
    const { score } = run(many.map(([type, props]) => event(type, props)));
    expect(score.contributions.reduce((sum, c) => sum + c.points, 0)).toBe(5050);
    expect(score.score).toBe(5000);
  });
});
