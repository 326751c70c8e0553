import { describe, expect, it } from 'vitest';
import { behaviouralMessages, topicNames, type LeadEventFields, type TopicKind } from '../src/index.js';

/** Records what was encoded for which topic kind (the value's JSON stands in for Avro bytes). */
class RecordingCodec {
  readonly kinds: TopicKind[] = [];
  encode(kind: TopicKind, value: unknown): Promise<Buffer> {
    this.kinds.push(kind);
    return Promise.resolve(Buffer.from(JSON.stringify(value)));
  }
}

describe('behaviouralMessages', () => {
  it('puts contact_updated on the behavioural topic with the rest, keyed by contact, in arrival order', async () => {
    const codec = new RecordingCodec();
    const topics = topicNames('order');
    const events: LeadEventFields[] = [
      { eventId: 'e1', contactId: 'c1', type: 'page_viewed', occurredAt: 1, properties: { path: '/pricing' } },
      { eventId: 'e2', contactId: 'c1', type: 'contact_updated', occurredAt: 2, properties: { phone: '+1 555 0100' } },
      { eventId: 'e3', contactId: 'c2', type: 'page_viewed', occurredAt: 3, properties: {} },
    ];
    const batches = await behaviouralMessages(codec, topics, events, 'ingest');
    expect(batches.map((b) => b.topic)).toEqual([topics.behaviouralEvents]);
    expect(codec.kinds).toEqual(['behaviouralEvents', 'behaviouralEvents', 'behaviouralEvents']);
    const sent = batches[0]!.messages.map((m) => ({ key: m.key, value: JSON.parse(m.value.toString()) as unknown }));
    expect(sent).toEqual(events.map((e) => ({ key: e.contactId, value: { ...e, source: 'ingest' } })));
  });

  it('sends nothing for no events', async () => {
    expect(await behaviouralMessages(new RecordingCodec(), topicNames('order'), [], null)).toEqual([]);
  });
});
