/**
 * 7. Hot contact: does a contact's state stay bounded, and its scoring as fast, however many
 * events the contact has (docs/performance.md)? The same N events are scored twice by the real
 * scorer process, each time from fresh topics: once all for ONE contact, once spread over N/10
 * contacts. The events are of the types counted by an all-time rule without `limit` and by a
 * windowed rule of the grid the scorer runs, so both kinds of counter keep growing on the hot
 * contact. All of one contact's events land in one partition, so the hot side runs on one
 * partition of six: that is the point of the comparison. Afterwards the hot contact's state key
 * is measured (MEMORY USAGE and the value's length).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { GeneratedEvent } from '@leadscore/demo';
import type { CountingRule, Grid } from '@leadscore/engine';
import { KeyLayout } from '@leadscore/redis-layout';
import type { Redis } from 'ioredis';
import type { BenchEnv } from './bench-env.js';
import { createTopicSet, produceEvents, type TopicSet } from './prefill.js';
import { ScorerFleet } from './scorer-instances.js';

const DAY_MS = 86_400_000;
/** The events span the last 30 days, as the pre-fill's stream: inside the starter's 180-day window. */
const SPAN_DAYS = 30;
/** Of every 3 events, 2 go to the all-time rule and 1 to the windowed rule. */
const WINDOWED_EVERY = 3;

export interface HotContactRules {
  /** An all-time counting rule with `points` and no `limit` (its count has no end). */
  readonly unlimited: CountingRule;
  /** A counting rule with `within`. */
  readonly windowed: CountingRule;
}

export interface HotContactSide {
  readonly contacts: number;
  readonly events: number;
  readonly ms: number;
  readonly eventsPerSecond: number;
  readonly cpuSeconds: number;
  readonly redelivered: number;
}

export interface HotContactResult {
  readonly rules: { readonly unlimited: string; readonly windowed: string };
  readonly hot: HotContactSide;
  readonly spread: HotContactSide;
  /** hot events/s ÷ spread events/s */
  readonly ratio: number;
  /** MEMORY USAGE of the hot contact's state key (key, value and Redis' per-key overhead). */
  readonly stateKeyBytes: number;
  /** Length of the hot contact's state value alone (STRLEN). */
  readonly stateValueBytes: number;
}

const single = (on: string | readonly string[]): string | undefined =>
  typeof on === 'string' ? on : on.length === 1 ? on[0] : undefined;

function isCounting(rule: Grid['rules'][number]): rule is CountingRule {
  return 'on' in rule;
}

/**
 * An all-time rule that gives points for every event, without a limit: the starter grid's only
 * unlimited rule (`demo-requests`) gives 0 points, and a hot contact should change its score with
 * every event it sends, as a bot hitting a points rule does.
 */
export const HOT_UNLIMITED_RULE = {
  id: 'bench-every-download',
  label: 'Every download (benchmark: all-time, no limit)',
  on: 'asset_downloaded',
  points: 1,
} as const;

/** The grid with HOT_UNLIMITED_RULE added (its type is not one of the windowed rule's). */
export function withUnlimitedRule(grid: Grid): Grid {
  return { ...grid, name: `${grid.name}-hot-contact`, rules: [...grid.rules, HOT_UNLIMITED_RULE] };
}

/**
 * The grid's rules this phase feeds: counting rules of one event type without `where` (any
 * event of that type counts), one all-time with `points` and no `limit`, one windowed; rules
 * giving points are preferred over pure counters.
 * @throws Error when the grid has no such pair: the phase then needs a grid that has both
 */
export function hotContactRules(grid: Grid): HotContactRules {
  const plain = grid.rules.filter(isCounting).filter((r) => r.where === undefined && single(r.on) !== undefined);
  const byPoints = (a: CountingRule, b: CountingRule) => Math.abs(b.points ?? 0) - Math.abs(a.points ?? 0);
  const unlimited = plain
    .filter((r) => r.within === undefined && r.tiers === undefined && r.points !== undefined && r.limit === undefined)
    .sort(byPoints)[0];
  const windowed = plain.filter((r) => r.within !== undefined && single(r.on) !== single(unlimited?.on ?? [])).sort(byPoints)[0];
  if (!unlimited || !windowed)
    throw new Error(`grid ${grid.name} has no all-time rule without limit and windowed rule of one event type each`);
  return { unlimited, windowed };
}

/** N events of the two rules' types, oldest first over the last 30 days, round-robin over `contacts` ids. */
export function* hotContactEvents(
  rules: HotContactRules,
  options: { events: number; contacts: number; now: number; idPrefix: string },
): Generator<GeneratedEvent, void, undefined> {
  const unlimitedType = single(rules.unlimited.on)!;
  const windowedType = single(rules.windowed.on)!;
  const start = options.now - SPAN_DAYS * DAY_MS;
  const step = (SPAN_DAYS * DAY_MS) / options.events;
  for (let i = 0; i < options.events; i += 1) {
    yield {
      eventId: `${options.idPrefix}-e${i.toString(36)}`,
      contactId: contactId(options.idPrefix, i % options.contacts),
      type: i % WINDOWED_EVERY === WINDOWED_EVERY - 1 ? windowedType : unlimitedType,
      occurredAt: Math.floor(start + i * step),
      properties: { campaignId: `cmp-${i % 50}` },
    };
  }
}

function contactId(idPrefix: string, index: number): string {
  return `${idPrefix}-c${index}`;
}

export interface HotContactOptions {
  readonly events: number;
  /** The run's grid; the phase adds HOT_UNLIMITED_RULE to it (see withUnlimitedRule). */
  readonly grid: Grid;
  /** Where the phase writes the grid its scorers run. */
  readonly outDir: string;
  /** Prefix of this phase's topics and Redis keys (each side adds `-hot` / `-spread`). */
  readonly prefix: string;
  readonly timeoutMs: number;
  readonly extraEnv: Record<string, string>;
  readonly log: (message: string) => void;
}

/**
 * Pre-fills and scores both sides, one after the other (never at the same time: they share the cores).
 * `created` is told every topic set and key prefix as soon as it exists, for the caller's clean-up.
 */
export async function measureHotContact(
  env: BenchEnv,
  redis: Redis,
  options: HotContactOptions,
  created: (set: TopicSet, keyPrefix: string) => void,
): Promise<HotContactResult> {
  const grid = withUnlimitedRule(options.grid);
  const rules = hotContactRules(grid);
  const gridFile = join(options.outDir, 'hot-contact-grid.json');
  writeFileSync(gridFile, JSON.stringify(grid, null, 2));
  const now = Date.now();
  const side = async (name: 'hot' | 'spread', contacts: number): Promise<{ result: HotContactSide; keyPrefix: string }> => {
    const prefix = `${options.prefix}-${name}`;
    const set = await createTopicSet(env.kafka, env.schemaRegistryUrl, prefix);
    created(set, prefix);
    const filled = await produceEvents(
      env.kafka,
      set,
      hotContactEvents(rules, { events: options.events, contacts, now, idPrefix: prefix }),
    );
    options.log(`hot contact (${name}): pre-filled ${filled.events} events over ${contacts} contacts`);
    const fleet = new ScorerFleet(env, {
      set,
      groupId: `${prefix}-scorer`,
      keyPrefix: prefix,
      instances: 1,
      extraEnv: { ...options.extraEnv, GRID_FILE: gridFile },
    });
    await fleet.start();
    try {
      const scored = await fleet.waitScored(filled.events, options.timeoutMs);
      return {
        keyPrefix: prefix,
        result: {
          contacts,
          events: scored.events,
          ms: scored.ms,
          eventsPerSecond: scored.eventsPerSecond,
          cpuSeconds: scored.cpuSeconds,
          redelivered: scored.redelivered,
        },
      };
    } finally {
      await fleet.stop();
    }
  };
  const hot = await side('hot', 1);
  const stateKey = new KeyLayout(hot.keyPrefix).contactState(contactId(hot.keyPrefix, 0));
  const stateKeyBytes = Number((await redis.memory('USAGE', stateKey)) ?? 0);
  const stateValueBytes = await redis.strlen(stateKey);
  if (stateValueBytes === 0) throw new Error(`the hot contact has no state at ${stateKey}`);
  const spread = await side('spread', Math.max(1, Math.round(options.events / 10)));
  return {
    rules: { unlimited: rules.unlimited.id, windowed: rules.windowed.id },
    hot: hot.result,
    spread: spread.result,
    ratio: hot.result.eventsPerSecond / Math.max(1, spread.result.eventsPerSecond),
    stateKeyBytes,
    stateValueBytes,
  };
}
