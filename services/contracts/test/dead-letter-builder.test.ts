import avro from 'avsc';
import { describe, expect, it } from 'vitest';
import { ErrorCode, LeadscoreError } from '@leadscore/errors';
import { avroSchemaText, DeadLetterBuilder, toInputMessage, type AvroCodec, type DeadLetterValue } from '../src/index.js';

// The dead-letter schema itself, so a value the builder makes must fit it; no registry needed.
const deadLetterType = avro.Type.forSchema(JSON.parse(avroSchemaText('deadLetters')) as avro.Schema);
const codec: Pick<AvroCodec, 'encode'> = { encode: async (_kind, value) => deadLetterType.toBuffer(value) };
const decoded = (value: Buffer) => deadLetterType.fromBuffer(value) as DeadLetterValue;

const source = toInputMessage('leadscore.behavioural-events', 3, {
  offset: '41',
  key: Buffer.from('c-1'),
  value: Buffer.from([0, 0, 0, 0, 9, 1, 2]),
  headers: { 'x-source': 'ingest', 'x-twice': [Buffer.from('first'), Buffer.from('second')], 'x-none': undefined },
  timestamp: '1767225600000',
  attributes: 0,
});

describe('DeadLetterBuilder', () => {
  it('keeps the original key, value and headers, and says why and where in the value and in every x-dlq-* header', async () => {
    const letter = await new DeadLetterBuilder(codec, 'scorer').build(source, ErrorCode.InvalidEvent, 'occurredAt: bad', 7);
    expect(letter.key).toEqual(Buffer.from('c-1'));
    expect(letter.headers).toEqual({
      'x-source': Buffer.from('ingest'),
      'x-twice': Buffer.from('first'),
      'x-dlq-reason': 'INVALID_EVENT',
      'x-dlq-message': 'occurredAt: bad',
      'x-dlq-topic': 'leadscore.behavioural-events',
      'x-dlq-partition': '3',
      'x-dlq-offset': '41',
      'x-dlq-failed-by': 'scorer',
    });
    expect(decoded(letter.value)).toEqual({
      reason: 'INVALID_EVENT',
      message: 'occurredAt: bad',
      sourceTopic: 'leadscore.behavioural-events',
      sourcePartition: 3,
      sourceOffset: '41',
      sourceTimestamp: 1767225600000,
      originalKey: Buffer.from('c-1'),
      originalValue: Buffer.from([0, 0, 0, 0, 9, 1, 2]),
      originalHeaders: { 'x-source': Buffer.from('ingest'), 'x-twice': Buffer.from('first') },
      failedAt: 7,
      failedBy: 'scorer',
    });
  });

  it('cuts a long message in the header only; the value keeps it whole', async () => {
    const long = 'x'.repeat(5000);
    const letter = await new DeadLetterBuilder(codec, 'lifecycle').build(source, ErrorCode.Undecodable, long, 7);
    expect(letter.headers['x-dlq-message']).toHaveLength(1000);
    expect(decoded(letter.value).message).toBe(long);
  });

  it('takes the reason of a decode failure from its code, UNDECODABLE without one', async () => {
    const builder = new DeadLetterBuilder(codec, 'read-api');
    const unknown = new LeadscoreError(ErrorCode.UnknownSchema, 'schema id 9 is not in the registry');
    expect((await builder.ofDecodeFailure(source, unknown, 7)).headers['x-dlq-reason']).toBe('UNKNOWN_SCHEMA');
    const bare = await builder.ofDecodeFailure(source, new RangeError('truncated buffer'), 7);
    expect(bare.headers).toMatchObject({
      'x-dlq-reason': 'UNDECODABLE',
      'x-dlq-message': 'truncated buffer',
      'x-dlq-failed-by': 'read-api',
    });
  });
});
