import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import type { LeadEvent } from '@leadscore/engine';
import { Readiness } from '@leadscore/service-kit';
import {
  createIngestApp,
  DEFAULT_SEGMENT_EVENT_MAP,
  IngestMetrics,
  type EventPublisher,
  type RefusedItem,
} from '../src/index.js';

const KEY = 'test-key-0123456789abcdef';
const NOW = Date.parse('2026-03-10T00:00:00Z');

class RecordingPublisher implements EventPublisher {
  readonly published: { events: readonly LeadEvent[]; source: string; refused: readonly RefusedItem[] }[] = [];
  failNext = false;
  async publish(events: readonly LeadEvent[], source: string, refused?: { items: readonly RefusedItem[] }): Promise<void> {
    if (this.failNext) {
      this.failNext = false;
      throw Object.assign(new Error('broker gone'), { name: 'KafkaJSConnectionError' });
    }
    this.published.push({ events, source, refused: refused?.items ?? [] });
  }
}

function build(overrides: { maxBodyBytes?: number; maxBatchEvents?: number } = {}) {
  const publisher = new RecordingPublisher();
  const app = createIngestApp({
    apiKeys: ['another-key-0123456789', KEY],
    segmentEventMap: DEFAULT_SEGMENT_EVENT_MAP,
    publisher,
    metrics: new IngestMetrics(),
    readiness: new Readiness(),
    logger: pino({ level: 'silent' }),
    maxBodyBytes: overrides.maxBodyBytes ?? 64 * 1024,
    maxBatchEvents: overrides.maxBatchEvents ?? 1000,
    now: () => NOW,
  });
  return { app, publisher };
}

const event = (i: number, extra: Record<string, unknown> = {}) => ({
  eventId: `e-${i}`,
  contactId: 'c-1',
  type: 'page_viewed',
  occurredAt: '2026-03-09T10:00:00Z',
  properties: { path: '/pricing' },
  ...extra,
});

const auth = { authorization: `Bearer ${KEY}` };

describe('ingest app', () => {
  let close: (() => Promise<unknown>) | undefined;
  afterEach(async () => close?.());

  it('accepts one event and a batch with 202 after publishing, with the accepted eventIds', async () => {
    const { app, publisher } = build();
    close = () => app.close();
    const one = await app.inject({ method: 'POST', url: '/v1/events', headers: auth, payload: event(1) });
    expect(one.statusCode).toBe(202);
    expect(one.json()).toEqual({ accepted: 1, eventIds: ['e-1'], rejected: [] });
    expect(one.headers['x-request-id']).toBeTruthy();
    const batch = await app.inject({
      method: 'POST',
      url: '/v1/events',
      headers: { 'x-api-key': KEY },
      payload: { events: [event(2), event(3)] },
    });
    expect(batch.statusCode).toBe(202);
    expect(batch.json().eventIds).toEqual(['e-2', 'e-3']);
    expect(publisher.published.map((p) => p.events.map((e) => e.eventId))).toEqual([['e-1'], ['e-2', 'e-3']]);
    expect(publisher.published[0]!.events[0]!.occurredAt).toBe(Date.parse('2026-03-09T10:00:00Z'));
  });

  it('keeps a well-formed caller request id', async () => {
    const { app } = build();
    close = () => app.close();
    const res = await app.inject({
      method: 'POST',
      url: '/v1/events',
      headers: { ...auth, 'x-request-id': 'abc-123' },
      payload: event(1),
    });
    expect(res.headers['x-request-id']).toBe('abc-123');
  });

  it('answers 401 without a key, with a wrong key and with a wrong scheme; nothing is published', async () => {
    const { app, publisher } = build();
    close = () => app.close();
    for (const headers of [{}, { authorization: 'Bearer nope' }, { authorization: `Token ${KEY}` }, { 'x-api-key': `${KEY}x` }]) {
      const res = await app.inject({ method: 'POST', url: '/v1/events', headers, payload: event(1) });
      expect(res.statusCode).toBe(401);
      expect(res.json().error.code).toBe('UNAUTHORIZED');
      expect(res.json().error.message).toMatch(/API key/);
    }
    // HTTP Basic with the key as user name (Segment webhooks)
    const basic = Buffer.from(`${KEY}:`).toString('base64');
    const ok = await app.inject({
      method: 'POST',
      url: '/v1/segment',
      headers: { authorization: `Basic ${basic}` },
      payload: {
        type: 'page',
        messageId: 'm1',
        userId: 'u1',
        timestamp: '2026-03-09T10:00:00Z',
        properties: { path: '/pricing' },
      },
    });
    expect(ok.statusCode).toBe(202);
    expect(publisher.published).toHaveLength(1);
  });

  it('answers 400 with the index and field path of every bad item, and accepts none of the batch', async () => {
    const { app, publisher } = build();
    close = () => app.close();
    const res = await app.inject({
      method: 'POST',
      url: '/v1/events',
      headers: auth,
      payload: {
        events: [
          event(1),
          event(2, { occurredAt: 'yesterday' }),
          event(3, { type: 'Page Viewed', properties: { velocity: [1] } }),
          event(4, { occurredAt: '2026-03-12T00:00:00Z' }),
        ],
      },
    });
    expect(res.statusCode).toBe(400);
    const { error } = res.json();
    expect(error.code).toBe('INVALID_EVENTS');
    expect(error.message).toMatch(/3 of 4 events are invalid; none was accepted \(add \?partial=true/);
    expect(error.details.map((d: { index: number; path: string }) => `${d.index}:${d.path}`)).toEqual([
      '1:occurredAt',
      '2:type',
      '2:properties.velocity',
      '3:occurredAt',
    ]);
    expect(error.details[3].message).toMatch(/more than 24 h after now/);
    expect(publisher.published).toHaveLength(0);
  });

  it('accepts the valid events of a batch with ?partial=true and lists the rejected ones', async () => {
    const { app, publisher } = build();
    close = () => app.close();
    const res = await app.inject({
      method: 'POST',
      url: '/v1/events?partial=true',
      headers: auth,
      payload: { events: [event(1), { contactId: 'c-1' }, event(3)] },
    });
    expect(res.statusCode).toBe(202);
    const body = res.json();
    expect(body.accepted).toBe(2);
    expect(body.eventIds).toEqual(['e-1', 'e-3']);
    expect(body.rejected.map((d: { index: number; path: string }) => `${d.index}:${d.path}`)).toEqual([
      '1:eventId',
      '1:type',
      '1:occurredAt',
    ]);
    expect(publisher.published[0]!.events).toHaveLength(2);
    const bad = await app.inject({ method: 'POST', url: '/v1/events?partial=maybe', headers: auth, payload: event(1) });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.details[0].path).toBe('query.partial');
  });

  it('answers 413 over the body size limit and over the batch size limit', async () => {
    const { app, publisher } = build({ maxBodyBytes: 2048, maxBatchEvents: 3 });
    close = () => app.close();
    const big = await app.inject({
      method: 'POST',
      url: '/v1/events',
      headers: auth,
      payload: event(1, { properties: { path: 'x'.repeat(4096) } }),
    });
    expect(big.statusCode).toBe(413);
    expect(big.json().error).toMatchObject({
      code: 'PAYLOAD_TOO_LARGE',
      message: expect.stringMatching(/larger than 2048 bytes/),
    });
    const many = await app.inject({
      method: 'POST',
      url: '/v1/events',
      headers: auth,
      payload: { events: [event(1), event(2), event(3), event(4)] },
    });
    expect(many.statusCode).toBe(413);
    expect(many.json().error.message).toMatch(/at most 3 events, got 4/);
    expect(publisher.published).toHaveLength(0);
  });

  it('answers 400 for bad JSON, an empty batch or a body of the wrong shape, and 415 for non-JSON', async () => {
    const { app } = build();
    close = () => app.close();
    const json = await app.inject({
      method: 'POST',
      url: '/v1/events',
      headers: { ...auth, 'content-type': 'application/json' },
      payload: '{"eventId":',
    });
    expect(json.statusCode).toBe(400);
    expect(json.json().error.code).toBe('INVALID_JSON');
    const empty = await app.inject({ method: 'POST', url: '/v1/events', headers: auth, payload: { events: [] } });
    expect(empty.statusCode).toBe(400);
    expect(empty.json().error.details[0].path).toBe('events');
    const shape = await app.inject({ method: 'POST', url: '/v1/events', headers: auth, payload: { events: 'all of them' } });
    expect(shape.statusCode).toBe(400);
    const text = await app.inject({
      method: 'POST',
      url: '/v1/events',
      headers: { ...auth, 'content-type': 'text/plain' },
      payload: 'hello',
    });
    expect(text.statusCode).toBe(415);
    expect(text.json().error.code).toBe('UNSUPPORTED_MEDIA_TYPE');
  });

  it('answers 503 when Kafka does not acknowledge, telling the caller to retry', async () => {
    const { app, publisher } = build();
    close = () => app.close();
    publisher.failNext = true;
    const res = await app.inject({ method: 'POST', url: '/v1/events', headers: auth, payload: event(1) });
    expect(res.statusCode).toBe(503);
    expect(res.json().error).toMatchObject({ code: 'PUBLISH_FAILED', message: expect.stringMatching(/retry the same request/) });
  });

  it('maps Segment track, page and identify calls; reports Segment field paths', async () => {
    const { app, publisher } = build();
    close = () => app.close();
    const ts = '2026-03-09T10:00:00Z';
    const res = await app.inject({
      method: 'POST',
      url: '/v1/segment',
      headers: auth,
      payload: {
        batch: [
          {
            type: 'track',
            messageId: 's-1',
            userId: 'u-1',
            event: 'Asset Downloaded',
            timestamp: ts,
            properties: { velocity: 'high', asset: { id: 'roi' } },
          },
          {
            type: 'page',
            messageId: 's-2',
            userId: 'u-1',
            timestamp: ts,
            name: 'Pricing',
            context: { page: { path: '/pricing' } },
          },
          {
            type: 'identify',
            messageId: 's-3',
            userId: 'u-1',
            originalTimestamp: ts,
            traits: { phone: '+33 1 23', jobTitle: 'CTO' },
          },
          { type: 'track', messageId: 's-4', userId: 'u-1', event: 'webinar_attended', timestamp: ts },
        ],
      },
    });
    expect(res.statusCode).toBe(202);
    const events = publisher.published[0]!.events;
    expect(publisher.published[0]!.source).toBe('segment');
    expect(events.map((e) => [e.eventId, e.contactId, e.type])).toEqual([
      ['s-1', 'u-1', 'asset_downloaded'],
      ['s-2', 'u-1', 'page_viewed'],
      ['s-3', 'u-1', 'contact_updated'],
      ['s-4', 'u-1', 'webinar_attended'],
    ]);
    expect(events[0]!.properties).toEqual({ velocity: 'high', 'asset.id': 'roi' });
    expect(events[1]!.properties).toEqual({ path: '/pricing', name: 'Pricing' });
    expect(events[2]!.properties).toEqual({ phone: '+33 1 23', jobTitle: 'CTO' });

    const bad = await app.inject({
      method: 'POST',
      url: '/v1/segment',
      headers: auth,
      payload: {
        batch: [
          { type: 'track', messageId: 's-5', anonymousId: 'a-1', event: 'Demo Requested', timestamp: ts },
          { type: 'track', messageId: 's-6', userId: 'u-1', event: 'Order Completed', timestamp: ts },
          { type: 'identify', messageId: 's-7', userId: 'u-1', timestamp: ts, traits: { tags: ['a'] } },
          { type: 'group', messageId: 's-8', userId: 'u-1', timestamp: ts },
          { type: 'track', userId: 'u-1', event: 'Demo Requested', timestamp: 'soon' },
        ],
      },
    });
    // Segment clients drop a batch answered 4xx: what can be used is accepted, the rest dead-lettered and listed
    expect(bad.statusCode).toBe(202);
    expect(bad.json()).toMatchObject({ accepted: 1, eventIds: ['s-5'] });
    const details = bad.json().rejected as { index: number; path: string; message: string }[];
    expect(details.map((d) => `${d.index}:${d.path}`)).toEqual([
      '1:event',
      '2:traits.tags',
      '3:type',
      '4:messageId',
      '4:timestamp',
    ]);
    expect(details[0]!.message).toMatch(/not in the Segment event map/);
    const second = publisher.published[1]!;
    expect(second.events.map((e) => [e.eventId, e.contactId])).toEqual([['s-5', 'a-1']]); // anonymous: its own contact
    expect(second.refused.map((r) => [r.index, r.details.map((d) => d.path)])).toEqual([
      [1, ['event']],
      [2, ['traits.tags']],
      [3, ['type']],
      [4, ['messageId', 'timestamp']],
    ]);
    expect(second.refused[2]!.item).toMatchObject({ type: 'group', messageId: 's-8' });
  });

  it('maps anonymous calls to the anonymousId, an identify with both ids to a merge then its traits, an alias to a merge', async () => {
    const { app, publisher } = build();
    close = () => app.close();
    const ts = '2026-03-09T10:00:00Z';
    const res = await app.inject({
      method: 'POST',
      url: '/v1/segment',
      headers: auth,
      payload: {
        batch: [
          { type: 'page', messageId: 'p-1', anonymousId: 'anon-7f3a', timestamp: ts, properties: { path: '/pricing' } },
          { type: 'track', messageId: 't-1', anonymousId: 'anon-7f3a', userId: 'c-42', event: 'Demo Requested', timestamp: ts },
          {
            type: 'identify',
            messageId: 'i-1',
            anonymousId: 'anon-7f3a',
            userId: 'c-42',
            timestamp: ts,
            traits: { phone: '+1' },
          },
          { type: 'identify', messageId: 'i-2', anonymousId: 'c-42', userId: 'c-42', timestamp: ts, traits: {} },
          { type: 'identify', messageId: 'i-3', anonymousId: 'anon-9', timestamp: ts, traits: { persona: 'buyer' } },
          { type: 'alias', messageId: 'al-1', previousId: 'old-c', userId: 'c-42', timestamp: ts },
          { type: 'alias', messageId: 'al-2', previousId: 'c-42', userId: 'c-42', timestamp: ts },
          { type: 'alias', messageId: 'al-3', userId: 'c-42', timestamp: ts },
          { type: 'page', messageId: 'p-2', timestamp: ts },
        ],
      },
    });
    expect(res.statusCode).toBe(202);
    const [published] = publisher.published;
    expect(published!.events.map((e) => [e.eventId, e.contactId, e.type, e.properties])).toEqual([
      ['p-1', 'anon-7f3a', 'page_viewed', { path: '/pricing' }],
      ['t-1', 'c-42', 'demo_requested', {}],
      ['i-1:merge', 'c-42', 'contact_merged', { mergedFrom: 'anon-7f3a' }],
      ['i-1', 'c-42', 'contact_updated', { phone: '+1' }],
      ['i-2', 'c-42', 'contact_updated', {}], // the same id twice: nothing to merge
      ['i-3', 'anon-9', 'contact_updated', { persona: 'buyer' }],
      ['al-1', 'c-42', 'contact_merged', { mergedFrom: 'old-c' }],
    ]);
    expect(res.json().rejected.map((d: { index: number; path: string }) => `${d.index}:${d.path}`)).toEqual([
      '6:previousId',
      '7:previousId',
      '8:userId',
    ]);
    expect(res.json().rejected[0].message).toMatch(/must differ from userId/);
    expect(res.json().rejected[2].message).toMatch(/or anonymousId/);
  });

  it('refuses an identify whole when its merge cannot be used, and names the Segment field', async () => {
    const { app, publisher } = build();
    close = () => app.close();
    const messageId = 'm'.repeat(125); // fits alone, not with the merge's suffix
    const res = await app.inject({
      method: 'POST',
      url: '/v1/segment',
      headers: auth,
      payload: {
        type: 'identify',
        messageId,
        anonymousId: 'a-1',
        userId: 'u-1',
        timestamp: '2026-03-09T10:00:00Z',
        traits: { phone: '+1' },
      },
    });
    expect(res.statusCode).toBe(202);
    expect(res.json()).toMatchObject({ accepted: 0, eventIds: [], rejected: [{ index: 0, path: 'messageId' }] });
    expect(publisher.published[0]!.events).toEqual([]);
    expect(publisher.published[0]!.refused).toHaveLength(1);
  });

  it('serves /healthz, /readyz and /metrics without a key; 404 with our error body', async () => {
    const { app } = build();
    close = () => app.close();
    expect((await app.inject('/healthz')).statusCode).toBe(200);
    expect((await app.inject('/readyz')).statusCode).toBe(200);
    await app.inject({ method: 'POST', url: '/v1/events', headers: auth, payload: event(1) });
    const metrics = await app.inject('/metrics');
    expect(metrics.body).toMatch(/leadscore_ingest_events_accepted_total\{format="leadscore"\} 1/);
    expect(metrics.body).toMatch(/leadscore_ingest_requests_total\{route="\/v1\/events",status="202"\} 1/);
    const missing = await app.inject('/v2/nothing');
    expect(missing.statusCode).toBe(404);
    expect(missing.json().error.code).toBe('NOT_FOUND');
  });
});
