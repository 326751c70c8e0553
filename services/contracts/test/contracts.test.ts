import { readFileSync } from 'node:fs';
import avro from 'avsc';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import {
  TOPIC_KINDS,
  avroSchemaText,
  topicNames,
  valueSubject,
  type AccountScoreChangedValue,
  type AccountThresholdCrossedValue,
  type AccountUpdatedValue,
  type ContactMergedValue,
  type GradeChangedValue,
} from '../src/index.js';

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

describe('topic names', () => {
  it('derive every topic from one prefix, and subjects follow TopicNameStrategy', () => {
    const topics = topicNames('run-1');
    expect(Object.keys(topics).sort()).toEqual([...TOPIC_KINDS].sort());
    expect(topics.behaviouralEvents).toBe('run-1.behavioural-events');
    expect(topics.contactMerged).toBe('run-1.contact-merged');
    expect(valueSubject(topics.scoreChanged)).toBe('run-1.score-changed-value');
    expect(new Set(Object.values(topics)).size).toBe(TOPIC_KINDS.length);
  });

  it('refuse a prefix Kafka would not accept', () => {
    expect(() => topicNames('bad prefix!')).toThrow(/topic prefix/);
  });
});

describe('Avro schemas', () => {
  it.each(TOPIC_KINDS)('%s parses as Avro', (kind) => {
    expect(() => avro.Type.forSchema(JSON.parse(avroSchemaText(kind)))).not.toThrow();
  });

  it.each(['scoreChanged', 'thresholdCrossed'] as const)(
    '%s: the MERGE cause reads data of the schema before it, and carries its eventId',
    (kind) => {
      const reader = avro.Type.forSchema(JSON.parse(avroSchemaText(kind)));
      const before = schemaBeforeMerge(avroSchemaText(kind));
      expect(before).not.toContain('"MERGE"');
      const writer = avro.Type.forSchema(JSON.parse(before));
      const resolver = reader.createResolver(writer); // throws when the reader cannot read the writer's data
      const cause = (value: unknown) => (value as { cause: { kind: string; eventId: string | null } }).cause;
      const old = writer.random() as unknown as { cause: { kind: string } };
      expect(cause(reader.fromBuffer(writer.toBuffer(old), resolver)).kind).toBe(old.cause.kind);
      const merged = { ...(reader.random() as unknown as object), cause: { kind: 'MERGE', eventId: 'm-1' } };
      expect(cause(reader.fromBuffer(reader.toBuffer(merged)))).toEqual({ kind: 'MERGE', eventId: 'm-1' });
    },
  );

  it('behavioural events accept any custom type and mixed property values without a schema change', () => {
    const type = avro.Type.forSchema(JSON.parse(avroSchemaText('behaviouralEvents')));
    const value = {
      eventId: 'e',
      contactId: 'c',
      type: 'my_custom_event',
      occurredAt: 1,
      properties: { s: 'x', n: 1.5, b: true, z: null },
      source: null,
    };
    expect(type.fromBuffer(type.toBuffer(value))).toEqual(value);
  });

  it('the account schemas carry account_updated and both account outputs, keyed by accountId', () => {
    const roundTrip = (kind: (typeof TOPIC_KINDS)[number], value: unknown) => {
      const type = avro.Type.forSchema(JSON.parse(avroSchemaText(kind)));
      expect(type.fromBuffer(type.toBuffer(value))).toEqual(value);
    };
    const updated: AccountUpdatedValue = {
      eventId: 'a-1',
      accountId: 'acme.com',
      occurredAt: 1,
      properties: { employees: 5000, industry: 'software', website: null },
      source: null,
    };
    roundTrip('accountUpdates', updated);
    const cause = { kind: 'MEMBER_SCORE' as const, contactId: 'c-1', scoreChangeId: 'sc-1', eventId: null };
    const changed: AccountScoreChangedValue = {
      id: 'x',
      accountId: 'acme.com',
      sequence: 3,
      previousScore: 1500,
      score: 2000,
      delta: 500,
      aggregate: 1500,
      members: 3,
      gridName: 'b2b',
      gridVersion: 1,
      cause,
      changedMember: { contactId: 'c-1', previousScore: null, score: 800 },
      changedContributions: [{ ruleId: 'enterprise', label: null, points: 300, previousPoints: 0 }],
      evaluatedAt: 2,
    };
    roundTrip('accountScoreChanged', changed);
    roundTrip('accountScoreChanged', { ...changed, changedMember: null, changedContributions: [] });
    const crossed: AccountThresholdCrossedValue = {
      id: 'y',
      accountId: 'acme.com',
      threshold: 'MQA',
      at: 2000,
      direction: 'UP',
      score: 2000,
      previousScore: 1500,
      gridName: 'b2b',
      gridVersion: 1,
      cause: { kind: 'ACCOUNT_EVENT', contactId: null, scoreChangeId: null, eventId: 'a-1' },
      sequence: 3,
      evaluatedAt: 2,
    };
    roundTrip('accountThresholdCrossed', crossed);
    const doc = parse(readFileSync(new URL('../../../schemas/asyncapi.yaml', import.meta.url), 'utf8')) as {
      components: { messages: Record<string, { bindings: { kafka: { key: { description: string } } } }> };
    };
    for (const name of ['AccountUpdated', 'AccountScoreChanged', 'AccountThresholdCrossed']) {
      expect(doc.components.messages[name]?.bindings.kafka.key.description).toBe('accountId');
    }
  });

  it('several scores: score-changed and threshold-crossed carry scoreId ("score" when not written), grade-changed its grades', () => {
    const scoreChanged = avro.Type.forSchema(JSON.parse(avroSchemaText('scoreChanged')));
    const value = {
      id: 'x',
      contactId: 'c-1',
      sequence: 4,
      previousScore: 40,
      score: 100,
      delta: 60,
      gridName: 'b2b',
      gridVersion: 1,
      cause: { kind: 'EVENT', eventId: 'e-1' },
      changedContributions: [],
      evaluatedAt: 2,
    };
    expect(scoreChanged.fromBuffer(scoreChanged.toBuffer({ ...value, scoreId: 'engagement' }))).toMatchObject({
      scoreId: 'engagement',
    });
    // a writer that leaves it out (a grid of one score's code path, or a producer of before) gives the default
    expect(scoreChanged.fromBuffer(scoreChanged.toBuffer(value))).toMatchObject({ scoreId: 'score' });
    const crossed = avro.Type.forSchema(JSON.parse(avroSchemaText('thresholdCrossed')));
    const matrix = { id: 'y', contactId: 'c-1', threshold: 'qualified', at: 1, direction: 'UP', score: 1, previousScore: 0 };
    const crossing = {
      ...matrix,
      gridName: 'b2b',
      gridVersion: 1,
      cause: value.cause,
      sequence: 6,
      evaluatedAt: 2,
      scoreId: 'matrix',
    };
    expect(crossed.fromBuffer(crossed.toBuffer(crossing))).toEqual(crossing);
    const grade: GradeChangedValue = {
      id: 'z',
      contactId: 'c-1',
      sequence: 6,
      previousGrade: 'C2',
      grade: 'A1',
      rowScoreId: 'fit',
      rowScore: 60,
      columnScoreId: 'engagement',
      columnScore: 100,
      qualified: true,
      gridName: 'b2b',
      gridVersion: 1,
      cause: { kind: 'EVENT', eventId: 'e-1' },
      evaluatedAt: 2,
    };
    const gradeChanged = avro.Type.forSchema(JSON.parse(avroSchemaText('gradeChanged')));
    expect(gradeChanged.fromBuffer(gradeChanged.toBuffer(grade))).toEqual(grade);
    expect(topicNames('leadscore').gradeChanged).toBe('leadscore.grade-changed');
  });

  it('contact-merged carries the merged-away id, its root and the merge, with millisecond times, keyed by contactId', () => {
    const type = avro.Type.forSchema(JSON.parse(avroSchemaText('contactMerged')));
    const value: ContactMergedValue = {
      id: 'm-1:anon-7f3a',
      contactId: 'anon-7f3a',
      mergedInto: 'c-42',
      mergeEventId: 'm-1',
      occurredAt: 1_772_359_500_000,
      emittedAt: 1_772_359_500_250,
    };
    expect(type.fromBuffer(type.toBuffer(value))).toEqual(value);
    const schema = JSON.parse(avroSchemaText('contactMerged')) as { fields: { name: string; type: unknown }[] };
    const timestamp = { type: 'long', logicalType: 'timestamp-millis' };
    expect(schema.fields.find((f) => f.name === 'occurredAt')?.type).toEqual(timestamp);
    expect(schema.fields.find((f) => f.name === 'emittedAt')?.type).toEqual(timestamp);
    const doc = parse(readFileSync(new URL('../../../schemas/asyncapi.yaml', import.meta.url), 'utf8')) as {
      channels: Record<string, { address: string }>;
      components: {
        messages: Record<
          string,
          { bindings: { kafka: { key: { description: string } } }; payload: { schema: { $ref: string } } }
        >;
      };
    };
    expect(doc.channels['contactMerged']?.address).toBe(topicNames().contactMerged);
    expect(doc.components.messages['ContactMerged']?.payload.schema.$ref).toBe('./avro/contact-merged.avsc');
    expect(doc.components.messages['ContactMerged']?.bindings.kafka.key.description).toMatch(/^contactId/);
  });

  it('the AsyncAPI document describes every topic and points at an existing schema file', () => {
    const doc = parse(readFileSync(new URL('../../../schemas/asyncapi.yaml', import.meta.url), 'utf8')) as {
      channels: Record<string, { address: string }>;
      components: { messages: Record<string, { payload: { schema: { $ref: string } } }> };
    };
    const defaults = topicNames();
    expect(
      Object.values(doc.channels)
        .map((c) => c.address)
        .sort(),
    ).toEqual(Object.values(defaults).sort());
    for (const message of Object.values(doc.components.messages)) {
      const file = new URL(message.payload.schema.$ref, new URL('../../../schemas/', import.meta.url));
      expect(() => readFileSync(file)).not.toThrow();
    }
  });
});
