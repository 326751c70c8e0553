import { compileGrid, loadGrid, type CompiledGrid, type LeadEvent } from '@leadscore/engine';
import { topicNames } from '@leadscore/contracts';

/**
 * A small grid whose scores go up and down across two thresholds within a few events: page views
 * and a demo request push contacts over MQL and HOT, an unsubscribe pulls them back down.
 */
export const TEST_GRID: CompiledGrid = compileGrid(
  loadGrid(
    [
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
    ].join('\n'),
    'fakes.yaml',
  ),
);

export const TOPICS = topicNames('sim');

/** The fixed "now" of these tests (epoch ms). */
export const NOW = Date.UTC(2026, 0, 15, 12);

export function leadEvent(eventId: string, contactId: string, type: string, hoursAgo = 1): LeadEvent {
  return { eventId, contactId, type, occurredAt: NOW - hoursAgo * 3_600_000, properties: {} };
}
