import { compileGrid, loadGrid, type CompiledGrid, type LeadEvent } from '@leadscore/engine';
import { topicNames } from '@leadscore/contracts';

/**
 * A small grid whose scores go up and down across two thresholds within a few events: page views
 * and a demo request push contacts over MQL and HOT, an unsubscribe pulls them back down.
 */
const TEST_GRID_LINES = [
  'name: fakes',
  'version: 1',
  'thresholds:',
  '  - { name: MQL, at: 100 }',
  '  - { name: HOT, at: 200 }',
  'rules:',
  '  - { id: pages, on: page_viewed, points: 40, limit: 200 }',
  '  - { id: demo, on: demo_requested, points: 100, limit: 100 }',
  '  - { id: opt-out, on: email_unsubscribed, points: -150, limit: 150 }',
  '  - { id: opens, on: email_opened, within: 3d, points: 10 }',
  '',
];

export const TEST_GRID: CompiledGrid = compileGrid(loadGrid(TEST_GRID_LINES.join('\n'), 'fakes.yaml'));

/**
 * TEST_GRID remembering enough recent ids that a run's re-sends always fall within the ring.
 * With merges the union's ring depends on when each side's events arrived, so a re-send more
 * than `dedupe.recent` matching events after its original may be recognised in one order and
 * not in another (docs/identity.md "Where the stream may differ from file order"): the
 * simulation's merge runs check exactness apart from that known limit.
 */
export const WIDE_RING_TEST_GRID: CompiledGrid = compileGrid(
  loadGrid(
    [...TEST_GRID_LINES.slice(0, 2), 'dedupe: { recent: 256 }', ...TEST_GRID_LINES.slice(2)].join('\n'),
    'fakes-wide.yaml',
  ),
);

export const TOPICS = topicNames('sim');

/** The fixed "now" of these tests (epoch ms). */
export const NOW = Date.UTC(2026, 0, 15, 12);

export function leadEvent(eventId: string, contactId: string, type: string, hoursAgo = 1): LeadEvent {
  return { eventId, contactId, type, occurredAt: NOW - hoursAgo * 3_600_000, properties: {} };
}
