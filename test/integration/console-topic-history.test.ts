import { readFileSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Producer } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readEventHistory } from '@leadscore/calibration';
import { applyGridEdit, compareDrafts, readTopicHistory } from '@leadscore/console';
import type { TopicNames, AvroCodec } from '@leadscore/contracts';
import { loadGrid } from '@leadscore/engine';
import { eventMix, toNdjsonLines } from '../support/event-mix.js';
import { serviceEnv, STARTER_GRID } from '../support/scorer-harness.js';
import { SERVICE_BINS, ServiceProcess } from '../support/service-process.js';
import { freshTopics, produceEvents, type RawEvent } from '../support/streams.js';
import { testContext } from '../support/test-context.js';

const EDITOR_KEY = 'history-editor-key-0123456789';
const starter = readFileSync(STARTER_GRID, 'utf8');
// one pricing visit is worth an MQL under the draft (500 live)
const draft = applyGridEdit(starter, { kind: 'cell', rule: 0, column: 'tier:1', value: '1000' });

interface Summary {
  contacts: number;
  histogram: unknown;
  thresholds: unknown;
}
interface BacktestBody {
  at: number;
  history: { source: string; events: number; contacts: number; skipped: Record<string, number>; truncated: boolean };
  live: Summary;
  draft: Summary;
  mqlDiff: { gainedTotal: number; lostTotal: number; gained: { contactId: string; draftScore: number }[] };
}

/**
 * The console backtesting drafts on the input topics (CONSOLE_HISTORY_SOURCE=topics): events
 * produced as Avro with the project's codec, read back from the beginning to the end offsets,
 * decoded with the scorer's decoder (what does not decode is counted and skipped), kept until
 * a refresh, and evaluated exactly as the same events in a history file would be.
 */
describe('the console backtests on the input topics', () => {
  const ctx = testContext();
  let topics: TopicNames;
  let codec: AvroCodec;
  let producer: Producer;
  let kafka: Awaited<ReturnType<typeof freshTopics>>['kafka'];
  let console_: ServiceProcess;
  const events: RawEvent[] = eventMix({ seed: 31, contacts: 40, events: 300, now: Date.now() - 3_600_000 });

  beforeAll(async () => {
    ({ topics, codec, kafka } = await freshTopics('console-history', 2));
    producer = kafka.producer({ idempotent: true });
    await producer.connect();
    await produceEvents(producer, codec, topics, events);
    // a message no scorer could decode: counted, skipped, never fatal
    await producer.send({ topic: topics.behaviouralEvents, messages: [{ key: 'c-bad', value: Buffer.from('not avro') }] });
    const dir = await mkdtemp(join(tmpdir(), 'leadscore-console-history-'));
    const keyPrefix = ctx.uniqueName('console-history');
    console_ = new ServiceProcess(
      'console',
      SERVICE_BINS.console,
      {
        ...serviceEnv(topics, keyPrefix),
        GRID_FILE: STARTER_GRID,
        CONSOLE_HISTORY_SOURCE: 'topics',
        CONSOLE_EDITOR_KEYS: `ana:${EDITOR_KEY}`,
        LOG_LEVEL: 'warn',
      },
      join(dir, 'console.log'),
    );
    await console_.start();
    await console_.waitReady();
  }, 150_000);
  afterAll(async () => {
    await console_?.stop();
    await producer?.disconnect();
  });

  const backtest = async (body: object): Promise<BacktestBody> => {
    const response = await fetch(await console_.url('/api/backtest'), {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': EDITOR_KEY },
      body: JSON.stringify(body),
    });
    const json = await response.json();
    expect(response.status, JSON.stringify(json)).toBe(200);
    return json as BacktestBody;
  };

  it('reads the topics to their end, skips what does not decode, and answers as the same history in a file would', async () => {
    const result = await backtest({ yaml: draft });
    const contacts = new Set(events.map((e) => e.contactId)).size;
    expect(result.history).toMatchObject({
      source: 'topics',
      events: events.length,
      contacts,
      skipped: { UNDECODABLE: 1 },
      truncated: false,
    });

    // the same events as an NDJSON file, backtested in this process at the console's own time
    const file = await readEventHistory(toNdjsonLines(events), Date.now(), 'events.ndjson');
    const expected = compareDrafts(loadGrid(starter), loadGrid(draft), { events: file, outcomes: undefined }, result.at);
    expect(result.draft.contacts).toBe(contacts);
    expect(result.live.contacts).toBe(contacts);
    expect(result.draft.histogram).toEqual(expected.draft.histogram);
    expect(result.live.histogram).toEqual(expected.live.histogram);
    expect(result.draft.thresholds).toEqual(expected.draft.gridThresholds.map((t) => ({ name: t.name, selected: t.selected })));
    expect(result.mqlDiff.gainedTotal).toBe(expected.mqlDiff.gained.length);
    expect(result.mqlDiff.lostTotal).toBe(expected.mqlDiff.lost.length);
    expect(result.mqlDiff.gained.map((g) => g.contactId)).toEqual(expected.mqlDiff.gained.slice(0, 50).map((g) => g.contactId));
    // the draft makes a difference on this history, so the comparison above compares something
    expect(result.mqlDiff.gainedTotal).toBeGreaterThan(0);
  });

  it('keeps the history it read until a backtest asks for a refresh', async () => {
    const late: RawEvent = {
      eventId: 'late-1',
      contactId: 'late-contact',
      type: 'page_viewed',
      occurredAt: Date.now() - 60_000,
      properties: { path: '/pricing' },
    };
    await produceEvents(producer, codec, topics, [late]);
    const cached = await backtest({ yaml: draft });
    expect(cached.history.events).toBe(events.length);
    const refreshed = await backtest({ yaml: draft, refresh: true });
    expect(refreshed.history.events).toBe(events.length + 1);
    expect(refreshed.draft.contacts).toBe(cached.draft.contacts + 1);
    expect(refreshed.mqlDiff.gained.map((g) => g.contactId)).toContain('late-contact');
  });

  it('stops at the max-events bound and says so', async () => {
    const read = await readTopicHistory(
      { kafka, codec, topics, groupPrefix: ctx.uniqueName('history-bound'), maxEvents: 25, maxEventBytes: 65_536 },
      Date.now(),
    );
    expect(read.history.events).toBe(25);
    expect(read.truncated).toBe(true);
    const counted = [...read.history.byContact.values()].reduce((n, list) => n + list.length, 0);
    expect(counted).toBe(25);
  });
});
