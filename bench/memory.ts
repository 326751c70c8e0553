/**
 * 5. Redis memory per contact after scoring the pre-filled stream with the starter grid:
 * MEMORY USAGE (key, value and Redis' per-key overhead) over a sample of state keys, plus each
 * contact's share of the decay index (a sorted set of contacts with windowed counts), plus any
 * outbox left behind (should be none). The scorer's peak RSS is read by the caller.
 */
import { KeyLayout } from '@leadscore/redis-layout';
import type { Redis } from 'ioredis';

export interface RedisMemoryResult {
  readonly contacts: number;
  readonly sampled: number;
  /** Mean MEMORY USAGE of a state key (bytes). */
  readonly stateKeyBytes: number;
  /** Mean length of the state value alone (bytes). */
  readonly stateValueBytes: number;
  /** MEMORY USAGE of the decay index divided by the contacts (bytes). */
  readonly decayIndexBytesPerContact: number;
  readonly outboxesLeft: number;
  /** stateKeyBytes + decayIndexBytesPerContact */
  readonly bytesPerContact: number;
}

async function scanKeys(redis: Redis, match: string, limit: number): Promise<{ keys: string[]; total: number }> {
  let cursor = '0';
  const keys: string[] = [];
  let total = 0;
  do {
    const [next, found] = await redis.scan(cursor, 'MATCH', match, 'COUNT', 5000);
    cursor = next;
    total += found.length;
    for (const key of found) if (keys.length < limit) keys.push(key);
  } while (cursor !== '0');
  return { keys, total };
}

export async function measureRedisMemory(redis: Redis, keyPrefix: string, sampleSize: number): Promise<RedisMemoryResult> {
  const layout = new KeyLayout(keyPrefix);
  const states = await scanKeys(redis, layout.contactStatePattern(), sampleSize);
  // the outbox key of contact `*`: a SCAN pattern of every outbox (the bench's prefixes hold no glob characters)
  const outboxes = await scanKeys(redis, layout.outbox('*'), 0);
  const pipeline = redis.pipeline();
  for (const key of states.keys) pipeline.memory('USAGE', key).strlen(key);
  const replies = (await pipeline.exec()) ?? [];
  let usage = 0;
  let length = 0;
  for (let i = 0; i < states.keys.length; i += 1) {
    usage += Number(replies[2 * i]?.[1] ?? 0);
    length += Number(replies[2 * i + 1]?.[1] ?? 0);
  }
  const decayBytes = Number((await redis.memory('USAGE', layout.decayIndex(), 'SAMPLES', '0')) ?? 0);
  const n = Math.max(1, states.keys.length);
  const stateKeyBytes = usage / n;
  const decayIndexBytesPerContact = decayBytes / Math.max(1, states.total);
  return {
    contacts: states.total,
    sampled: states.keys.length,
    stateKeyBytes: Math.round(stateKeyBytes),
    stateValueBytes: Math.round(length / n),
    decayIndexBytesPerContact: Math.round(decayIndexBytesPerContact),
    outboxesLeft: outboxes.total,
    bytesPerContact: Math.round(stateKeyBytes + decayIndexBytesPerContact),
  };
}
