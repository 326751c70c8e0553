import { describe, expect, it } from 'vitest';
import {
  AvroCodec,
  ContractError,
  avroSchemaText,
  getSubjectCompatibility,
  registerSchema,
  registerTopicSchemas,
  setSubjectCompatibility,
  topicNames,
  valueSubject,
  type ContactMergedValue,
} from '@leadscore/contracts';
import { ScoreOutputWriter } from '@leadscore/scorer';
import { testContext } from '../support/test-context.js';

/** The schema as it was before MERGE: the cause enum without the symbol, its default and its doc. */
function schemaBeforeMerge(text: string): string {
  const schema = JSON.parse(text) as {
    fields: { name: string; type: { fields?: { name: string; type: Record<string, unknown> }[] } }[];
  };
  const kind = schema.fields.find((f) => f.name === 'cause')!.type.fields!.find((f) => f.name === 'kind')!.type;
  kind['symbols'] = (kind['symbols'] as string[]).filter((s) => s !== 'MERGE');
  delete kind['default'];
  delete kind['doc'];
  return JSON.stringify(schema);
}

describe('schema registry (real registry, Confluent API)', () => {
  it('registers every topic schema with BACKWARD compatibility, and re-registration is idempotent', async () => {
    const ctx = testContext();
    const topics = topicNames(ctx.uniqueName('reg'));
    const first = await registerTopicSchemas(ctx.schemaRegistryUrl, topics);
    const second = await registerTopicSchemas(ctx.schemaRegistryUrl, topics);
    expect(second.ids).toEqual(first.ids);
    for (const topic of Object.values(topics)) {
      expect(await getSubjectCompatibility(ctx.schemaRegistryUrl, valueSubject(topic))).toBe('BACKWARD');
    }
  });

  it('services provisioning the same new subjects at the same moment all succeed, with the same ids', async () => {
    // Every service registers its schemas at start-up (PROVISION=true); started together, they
    // write each new subject's compatibility at once, and Apicurio answers the losers of its
    // rule creation with 409. Each round is a fresh set of subjects written by 4 "services".
    const ctx = testContext();
    for (let round = 0; round < 5; round += 1) {
      const topics = topicNames(ctx.uniqueName(`race-${round}`));
      const results = await Promise.all([1, 2, 3, 4].map(() => registerTopicSchemas(ctx.schemaRegistryUrl, topics)));
      for (const result of results) expect(result.ids).toEqual(results[0]!.ids);
      for (const topic of Object.values(topics)) {
        expect(await getSubjectCompatibility(ctx.schemaRegistryUrl, valueSubject(topic))).toBe('BACKWARD');
      }
    }
  });

  it('refuses an incompatible change of a registered schema, accepts a compatible one', async () => {
    const ctx = testContext();
    const topics = topicNames(ctx.uniqueName('compat'));
    await registerTopicSchemas(ctx.schemaRegistryUrl, topics, ['behaviouralEvents']);
    const subject = valueSubject(topics.behaviouralEvents);
    const current = JSON.parse(avroSchemaText('behaviouralEvents')) as { fields: object[] };

    // A new required field without a default: readers of the new schema cannot read old data.
    const incompatible = { ...current, fields: [...current.fields, { name: 'campaignId', type: 'string' }] };
    const refusal = await registerSchema(ctx.schemaRegistryUrl, subject, JSON.stringify(incompatible)).catch((e: unknown) => e);
    expect(refusal).toBeInstanceOf(ContractError);
    expect((refusal as ContractError).code).toBe('SCHEMA_INCOMPATIBLE');

    // The same field with a default is a BACKWARD-compatible evolution.
    const compatible = {
      ...current,
      fields: [...current.fields, { name: 'campaignId', type: ['null', 'string'], default: null }],
    };
    const id = await registerSchema(ctx.schemaRegistryUrl, subject, JSON.stringify(compatible));
    expect(id).toBeGreaterThan(0);
  });

  it('takes the MERGE cause as a BACKWARD-compatible change of the score-changed and threshold-crossed schemas', async () => {
    const ctx = testContext();
    const topics = topicNames(ctx.uniqueName('merge-cause'));
    for (const kind of ['scoreChanged', 'thresholdCrossed'] as const) {
      const subject = valueSubject(topics[kind]);
      // the schema as it was before MERGE: the enum without the symbol and without a default
      const before = schemaBeforeMerge(avroSchemaText(kind));
      expect(before).not.toContain('"MERGE"');
      const oldId = await registerSchema(ctx.schemaRegistryUrl, subject, before);
      await setSubjectCompatibility(ctx.schemaRegistryUrl, subject, 'BACKWARD');
      const newId = await registerSchema(ctx.schemaRegistryUrl, subject, avroSchemaText(kind));
      expect(newId).not.toBe(oldId);
    }
  });

  it('takes scoreId (several scores per contact) as a BACKWARD-compatible change; data written without it reads as "score"', async () => {
    const ctx = testContext();
    const topics = topicNames(ctx.uniqueName('score-id'));
    for (const kind of ['scoreChanged', 'thresholdCrossed'] as const) {
      const subject = valueSubject(topics[kind]);
      const current = JSON.parse(avroSchemaText(kind)) as { fields: { name: string }[] };
      const before = { ...current, fields: current.fields.filter((f) => f.name !== 'scoreId') };
      expect(before.fields.length).toBe(current.fields.length - 1);
      const oldId = await registerSchema(ctx.schemaRegistryUrl, subject, JSON.stringify(before));
      await setSubjectCompatibility(ctx.schemaRegistryUrl, subject, 'BACKWARD');
      const newId = await registerSchema(ctx.schemaRegistryUrl, subject, avroSchemaText(kind));
      expect(newId).not.toBe(oldId);
    }
    // a score change written by a scorer of before the field, read by today's consumers
    const codec = await AvroCodec.connect({
      registryUrl: ctx.schemaRegistryUrl,
      topics,
      register: false,
      kinds: ['scoreChanged'],
    });
    const avro = (await import('avsc')).default;
    const current = JSON.parse(avroSchemaText('scoreChanged')) as { fields: { name: string }[] };
    const before = { ...current, fields: current.fields.filter((f) => f.name !== 'scoreId') };
    const oldId = await registerSchema(ctx.schemaRegistryUrl, valueSubject(topics.scoreChanged), JSON.stringify(before));
    const value = {
      id: 'sc-1',
      contactId: 'c-1',
      sequence: 1,
      previousScore: 0,
      score: 500,
      delta: 500,
      gridName: 'starter',
      gridVersion: 1,
      cause: { kind: 'EVENT', eventId: 'e-1' },
      changedContributions: [],
      evaluatedAt: 1_772_359_200_000,
    };
    const header = Buffer.alloc(5);
    header.writeInt32BE(oldId, 1);
    const decoded = await codec.decode(
      'scoreChanged',
      Buffer.concat([header, avro.Type.forSchema(before as never).toBuffer(value)]),
    );
    expect(decoded).toEqual({ ...value, scoreId: 'score' });
  });

  it('decodes data written with an older or newer compatible schema into our reader shape', async () => {
    const ctx = testContext();
    const topics = topicNames(ctx.uniqueName('evolve'));
    const codec = await AvroCodec.connect({
      registryUrl: ctx.schemaRegistryUrl,
      topics,
      register: true,
      kinds: ['behaviouralEvents'],
    });
    const current = JSON.parse(avroSchemaText('behaviouralEvents')) as { fields: object[] };
    const newer = { ...current, fields: [...current.fields, { name: 'campaignId', type: ['null', 'string'], default: null }] };
    const newerId = await registerSchema(ctx.schemaRegistryUrl, valueSubject(topics.behaviouralEvents), JSON.stringify(newer));

    const avro = (await import('avsc')).default;
    const payload = avro.Type.forSchema(newer as never).toBuffer({
      eventId: 'e1',
      contactId: 'c1',
      type: 'page_viewed',
      occurredAt: 1_772_359_200_000,
      properties: { path: '/pricing' },
      source: null,
      campaignId: 'spring',
    });
    const header = Buffer.alloc(5);
    header.writeInt32BE(newerId, 1);
    const decoded = await codec.decode('behaviouralEvents', Buffer.concat([header, payload]));
    expect(decoded).toEqual({
      eventId: 'e1',
      contactId: 'c1',
      type: 'page_viewed',
      occurredAt: 1_772_359_200_000,
      properties: { path: '/pricing' },
      source: null,
    });
  });

  it('encodes the contact-merged message of ScoreOutputWriter under its own subject, keyed by the merged-away id, and decodes it', async () => {
    const ctx = testContext();
    const topics = topicNames(ctx.uniqueName('merged'));
    const codec = await AvroCodec.connect({
      registryUrl: ctx.schemaRegistryUrl,
      topics,
      register: true,
      kinds: ['contactMerged'],
    });
    const subject = valueSubject(topics.contactMerged);
    expect(subject).toMatch(/\.contact-merged-value$/);
    expect(await getSubjectCompatibility(ctx.schemaRegistryUrl, subject)).toBe('BACKWARD');
    const writer = new ScoreOutputWriter(codec);
    const message = await writer.contactMerged(
      { contactId: 'anon-7f3a', mergedInto: 'c-42', mergeEventId: 'm-1', occurredAt: 1_772_359_500_000 },
      1_772_359_500_250,
    );
    expect(message.key).toBe('anon-7f3a');
    expect(message.headers).toEqual({ 'x-id': 'm-1:anon-7f3a' });
    // the Confluent header names the schema registered under <topic>-value
    expect(message.value.readInt32BE(1)).toBe(codec.schemaIds.contactMerged);
    const decoded = await codec.decode<ContactMergedValue>('contactMerged', message.value);
    expect(decoded).toEqual({
      id: 'm-1:anon-7f3a',
      contactId: 'anon-7f3a',
      mergedInto: 'c-42',
      mergeEventId: 'm-1',
      occurredAt: 1_772_359_500_000,
      emittedAt: 1_772_359_500_250,
    });
    // a redelivered merge gives the same message id, whenever it is applied again
    const again = await writer.contactMerged(
      { contactId: 'anon-7f3a', mergedInto: 'c-42', mergeEventId: 'm-1', occurredAt: 1_772_359_500_000 },
      1_772_359_999_000,
    );
    expect(again.headers).toEqual(message.headers);
  });

  it('reports undecodable bytes and unknown schema ids with their own codes', async () => {
    const ctx = testContext();
    const topics = topicNames(ctx.uniqueName('bad'));
    const codec = await AvroCodec.connect({
      registryUrl: ctx.schemaRegistryUrl,
      topics,
      register: true,
      kinds: ['behaviouralEvents'],
    });
    const garbage = await codec.decode('behaviouralEvents', Buffer.from('{"json":"not avro"}')).catch((e: unknown) => e);
    expect((garbage as ContractError).code).toBe('UNDECODABLE');
    const unknownId = Buffer.from([0, 0x7f, 0xff, 0xff, 0x00, 0x02]);
    const unknown = await codec.decode('behaviouralEvents', unknownId).catch((e: unknown) => e);
    expect((unknown as ContractError).code).toBe('UNKNOWN_SCHEMA');
    const good = await codec.encode('behaviouralEvents', {
      eventId: 'e1',
      contactId: 'c1',
      type: 'page_viewed',
      occurredAt: 1,
      properties: {},
      source: null,
    });
    const truncated = await codec.decode('behaviouralEvents', good.subarray(0, good.length - 3)).catch((e: unknown) => e);
    expect((truncated as ContractError).code).toBe('UNDECODABLE');
    const badValue = await codec.encode('behaviouralEvents', { eventId: 'e1', contactId: 7 }).catch((e: unknown) => e);
    expect((badValue as ContractError).code).toBe('ENCODE_FAILED');
    expect((badValue as ContractError).message).toContain('contactId');
  });
});
