import { Analytics } from '@segment/analytics-node';
import { afterAll, describe, expect, it } from 'vitest';
import type { BehaviouralEventValue, DeadLetterValue } from '@leadscore/contracts';
import { startDoorsStack } from '../support/doors-stack.js';
import { serviceEnv } from '../support/scorer-harness.js';
import { SERVICE_BINS, ServiceProcess } from '../support/service-process.js';
import { freshTopics, TopicCollector } from '../support/streams.js';
import { testContext } from '../support/test-context.js';

const WRITE_KEY = 'segment-write-key-0123456789';

/**
 * The Segment door with Segment's own Node client (`@segment/analytics-node`), pointed at the
 * gateway's /v1/segment with the write key as an ingest key: what real clients send (a batch
 * mixing anonymous and known calls) lands on the behavioural topic under the right contacts,
 * read back with the project's codec; an unusable call is dead-lettered and costs nothing else.
 */
describe('the Segment door with the real Segment client', () => {
  const ctx = testContext();
  const cleanup: (() => Promise<unknown>)[] = [];
  afterAll(async () => {
    for (const fn of cleanup.reverse()) await fn().catch(() => undefined);
  });

  it('a batch of tracks, pages (one anonymous) and an identify is accepted; one unusable call loses nothing else', async () => {
    const { topics, codec, kafka } = await freshTopics('segment', 3);
    const ingest = new ServiceProcess('ingest', SERVICE_BINS.ingest, {
      ...serviceEnv(topics, ctx.uniqueName('segment')),
      INGEST_API_KEYS: WRITE_KEY,
      LOG_LEVEL: 'warn',
      PROVISION: 'false',
    });
    cleanup.push(() => ingest.stop());
    await ingest.start();
    await ingest.waitReady();

    const events = await new TopicCollector<BehaviouralEventValue>(
      kafka,
      codec,
      'behaviouralEvents',
      topics.behaviouralEvents,
    ).start();
    cleanup.push(() => events.stop());
    const deadLetters = await new TopicCollector<DeadLetterValue>(kafka, codec, 'deadLetters', topics.deadLetters).start();
    cleanup.push(() => deadLetters.stop());

    const responses: { status: number; body: string }[] = [];
    const answers: string[] = [];
    const analytics = new Analytics({
      // the client's own fetch, observed: it does not surface the answer's body
      httpClient: async (url, init) => {
        const response = await fetch(url, init as RequestInit);
        answers.push(await response.clone().text());
        return response;
      },
      writeKey: WRITE_KEY,
      host: (await ingest.url('')).replace(/\/$/, ''),
      path: '/v1/segment',
      flushAt: 20, // one batch: everything below is sent together on closeAndFlush
      flushInterval: 60_000,
      maxRetries: 0, // a refused batch must show, not be retried away
    });
    analytics.on('http_response', (r) => responses.push({ status: r.status, body: r.body }));
    const errors: unknown[] = [];
    analytics.on('error', (e) => errors.push(e));

    const anonymousId = 'anon-7f3a';
    analytics.page({ anonymousId, name: 'Pricing', properties: { path: '/pricing' } });
    analytics.track({ anonymousId, event: 'Asset Downloaded', properties: { velocity: 'high' } });
    analytics.track({ userId: 'c-42', event: 'Order Completed', properties: { total: 10 } }); // not in the event map
    analytics.identify({ anonymousId, userId: 'c-42', traits: { phone: '+33 1 23 45 67 89' } });
    analytics.page({ userId: 'c-42', anonymousId, name: 'Solutions', properties: { path: '/solutions' } });
    analytics.track({ userId: 'c-7', event: 'Webinar Attended', properties: { webinar: 'w-1' } });
    await analytics.closeAndFlush({ timeout: 30_000 });

    expect(errors).toEqual([]);
    expect(responses).toHaveLength(1); // one batch
    expect(responses[0]!.status).toBe(202);
    // what the client sent: the first page anonymous (no userId), the identify with both ids
    const sent = (JSON.parse(responses[0]!.body) as { batch: Record<string, unknown>[] }).batch;
    expect(sent.map((call) => [call['type'], call['userId'] ?? null, call['anonymousId'] ?? null])).toEqual([
      ['page', null, anonymousId],
      ['track', null, anonymousId],
      ['track', 'c-42', null],
      ['identify', 'c-42', anonymousId],
      ['page', 'c-42', anonymousId],
      ['track', 'c-7', null],
    ]);
    const answer = JSON.parse(answers[0]!) as { accepted: number; rejected: { index: number; path: string; message: string }[] };
    expect(answer.accepted).toBe(6); // 5 usable calls, the identify giving two events
    expect(answer.rejected).toEqual([
      { index: 2, path: 'event', message: expect.stringMatching(/not in the Segment event map/) },
    ]);

    const landed = await events.waitFor((items) => items.length >= 6, 30_000, 'six events');
    const byType = landed.map((item) => [item.key, item.value.contactId, item.value.type]);
    expect(byType).toEqual(
      expect.arrayContaining([
        [anonymousId, anonymousId, 'page_viewed'],
        [anonymousId, anonymousId, 'asset_downloaded'],
        ['c-42', 'c-42', 'contact_merged'],
        ['c-42', 'c-42', 'contact_updated'],
        ['c-42', 'c-42', 'page_viewed'],
        ['c-7', 'c-7', 'webinar_attended'],
      ]),
    );
    expect(landed).toHaveLength(6);
    const merge = landed.find((item) => item.value.type === 'contact_merged')!.value;
    expect(merge.properties).toEqual({ mergedFrom: anonymousId });
    expect(merge.source).toBe('segment');
    // a contact's events keep their order: the merge before the traits, on one partition
    const c42 = landed.filter((item) => item.key === 'c-42');
    expect(new Set(c42.map((item) => item.partition)).size).toBe(1);
    expect(c42.map((item) => item.value.type)).toEqual(['contact_merged', 'contact_updated', 'page_viewed']);
    expect(merge.eventId).toBe(`${c42[1]!.value.eventId}:merge`);

    const [letter] = await deadLetters.waitFor((items) => items.length >= 1, 30_000, 'the dead letter');
    expect(letter!.key).toBe('c-42');
    expect(letter!.value).toMatchObject({
      reason: 'INVALID_EVENT',
      message: expect.stringMatching(/^event: "Order Completed" is not in the Segment event map/),
      sourceTopic: 'http:/v1/segment',
      failedBy: 'ingest',
    });
    expect(JSON.parse(letter!.value.originalValue!.toString())).toMatchObject({
      type: 'track',
      event: 'Order Completed',
      userId: 'c-42',
    });
    expect(letter!.headers['x-dlq-reason']).toBe('INVALID_EVENT');
    expect(letter!.headers['x-batch-index']).toBe('2');
    expect(deadLetters.items).toHaveLength(1);
  });

  it('anonymous pricing-page visits, then an identify: the known contact becomes MQL with those visits in its breakdown', async () => {
    const { topics } = await freshTopics('segment-merge', 3);
    const keyPrefix = ctx.uniqueName('segment-merge');
    const stack = await startDoorsStack(topics, keyPrefix, WRITE_KEY);
    cleanup.push(() => stack.stop());
    const { ingest, readApi, logs } = stack;

    const analytics = new Analytics({
      writeKey: WRITE_KEY,
      host: (await ingest.url('')).replace(/\/$/, ''),
      path: '/v1/segment',
      flushAt: 1, // each call on its own, as a website sends them over a visit
      maxRetries: 0,
    });
    const errors: unknown[] = [];
    analytics.on('error', (e) => errors.push(e));
    const anonymousId = `anon-${keyPrefix}`;
    const userId = `c-${keyPrefix}`;
    analytics.page({ anonymousId, name: 'Pricing', properties: { path: '/pricing' } });
    analytics.page({ anonymousId, name: 'Solutions', properties: { path: '/solutions' } });
    analytics.identify({ anonymousId, userId, traits: { persona: 'buyer' } });
    await analytics.closeAndFlush({ timeout: 30_000 });
    expect(errors).toEqual([]);

    // poll the read API until the workflow moved the known contact (bounded)
    type View = {
      score?: number;
      mergedInto?: string;
      contactId?: string;
      breakdown?: { ruleId: string; count: number; points: number }[];
      lifecycle?: { stage?: { stage?: string } };
    };
    const read = async (id: string): Promise<{ status: number; view: View }> => {
      const res = await fetch(await readApi.url(`/contacts/${encodeURIComponent(id)}`));
      return { status: res.status, view: res.status === 200 ? ((await res.json()) as View) : {} };
    };
    let known: View = {};
    const deadline = Date.now() + 60_000;
    while (known.lifecycle?.stage?.stage !== 'MARKETING_QUALIFIED') {
      if (Date.now() > deadline) throw new Error(`not marketing-qualified in time: ${JSON.stringify(known)}; logs in ${logs}`);
      await new Promise((r) => setTimeout(r, 250)); // poll interval
      known = (await read(userId)).view;
    }
    expect(known.score).toBe(1000);
    expect(known.breakdown?.find((r) => r.ruleId === 'key-pages')).toMatchObject({ count: 2, points: 1000 });
    // asked by the cookie id, the read API answers for the known contact
    const anonymous = await read(anonymousId);
    expect(anonymous.status).toBe(200);
    expect(anonymous.view).toMatchObject({ contactId: anonymousId, mergedInto: userId, score: 1000 });
  });
});
