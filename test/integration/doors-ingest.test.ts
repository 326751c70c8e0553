import { pino } from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import type { BehaviouralEventValue } from '@leadscore/contracts';
import { IngestService, loadIngestConfig } from '@leadscore/ingest';
import { freshTopics, TopicCollector } from '../support/streams.js';
import { testContext } from '../support/test-context.js';

const KEY = 'ingest-it-key-0123456789';

describe('ingest gateway against Kafka and the registry', () => {
  const ctx = testContext();
  const cleanup: (() => Promise<unknown>)[] = [];
  afterAll(async () => {
    for (const fn of cleanup.reverse()) await fn().catch(() => undefined);
  });

  it('answers 202 once Kafka has the events: Avro, keyed by contactId, contact updates on the behavioural topic, in arrival order', async () => {
    const { topics, codec, kafka } = await freshTopics('ingest', 3);
    const service = new IngestService({
      config: loadIngestConfig({
        KAFKA_BROKERS: ctx.kafkaBrokers.join(','),
        SCHEMA_REGISTRY_URL: ctx.schemaRegistryUrl,
        TOPIC_PREFIX: topics.behaviouralEvents.replace(/\.behavioural-events$/, ''),
        INGEST_API_KEYS: KEY,
        HTTP_PORT: '0',
        HTTP_HOST: '127.0.0.1',
        PROVISION: 'false',
      }),
      logger: pino({ level: 'silent' }),
    });
    cleanup.push(() => service.stop());
    await service.start();
    const base = `http://127.0.0.1:${service.httpPort}`;
    expect((await fetch(`${base}/readyz`)).status).toBe(200);

    const events = await new TopicCollector<BehaviouralEventValue>(
      kafka,
      codec,
      'behaviouralEvents',
      topics.behaviouralEvents,
    ).start();
    cleanup.push(() => events.stop());

    const now = Date.now();
    const res = await fetch(`${base}/v1/events`, {
      method: 'POST',
      headers: { 'x-api-key': KEY, 'content-type': 'application/json' },
      body: JSON.stringify({
        events: [
          {
            eventId: 'i-1',
            contactId: 'c-a',
            type: 'asset_downloaded',
            occurredAt: now - 1000,
            properties: { velocity: 'high', size: 12 },
          },
          {
            eventId: 'i-2',
            contactId: 'c-b',
            type: 'contact_updated',
            occurredAt: now - 500,
            properties: { phone: null, country: 'FR' },
          },
        ],
      }),
    });
    expect(res.status).toBe(202);
    // acknowledged means on the broker: a fresh reader finds both right away (bounded wait)
    await events.waitFor((items) => items.length >= 2, 20_000);
    expect(events.items.find((item) => item.key === 'c-a')).toMatchObject({
      key: 'c-a',
      value: {
        eventId: 'i-1',
        contactId: 'c-a',
        type: 'asset_downloaded',
        occurredAt: now - 1000,
        properties: { velocity: 'high', size: 12 },
        source: 'ingest',
      },
    });
    expect(events.items.find((item) => item.key === 'c-b')).toMatchObject({
      key: 'c-b',
      value: { eventId: 'i-2', type: 'contact_updated', properties: { phone: null, country: 'FR' }, source: 'ingest' },
    });

    const unauthorized = await fetch(`${base}/v1/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    expect(unauthorized.status).toBe(401);
    const metrics = await (await fetch(`${base}/metrics`)).text();
    expect(metrics).toMatch(/leadscore_ingest_events_accepted_total\{format="leadscore"\} 2/);
    expect(metrics).toMatch(/leadscore_ingest_publish_duration_seconds_count 1/);
  });
});
