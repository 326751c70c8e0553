import { describe, expect, it } from 'vitest';
import { loadScorerConfig } from '../src/config.js';
import { ServiceError } from '@leadscore/service-kit';

const base = {
  KAFKA_BROKERS: '127.0.0.1:9092',
  SCHEMA_REGISTRY_URL: 'http://127.0.0.1:8081/apis/ccompat/v7',
  REDIS_URL: 'redis://127.0.0.1:6379',
};

describe('scorer configuration', () => {
  it('applies defaults and freezes the result', () => {
    const config = loadScorerConfig(base);
    expect(config.kafkaBrokers).toEqual(['127.0.0.1:9092']);
    expect(config.topicPrefix).toBe('leadscore');
    expect(config.sessionTimeoutMs).toBe(30_000);
    expect(config.crashPoints.size).toBe(0);
    expect(config.gridFile).toMatch(/deploy\/grids\/starter\.yaml$/);
    expect(Object.isFrozen(config)).toBe(true);
  });

  it('reports every problem at once, naming the variable', () => {
    let error: unknown;
    try {
      loadScorerConfig({
        KAFKA_BROKERS: 'a:1,b',
        REDIS_URL: 'http://x',
        TOPIC_PREFIX: 'no spaces',
        SCORER_CHUNK_SIZE: '0',
        PROVISION: 'maybe',
        SCORER_CRASH_POINTS: 'nowhere=2',
      });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ServiceError);
    const message = (error as ServiceError).message;
    expect((error as ServiceError).code).toBe('CONFIG_INVALID');
    for (const fragment of [
      'KAFKA_BROKERS entries must be host:port, got "b"',
      'SCHEMA_REGISTRY_URL is required',
      'REDIS_URL must be a redis: or rediss: URL',
      'TOPIC_PREFIX must match',
      'SCORER_CHUNK_SIZE must be an integer from 1',
      'PROVISION must be true or false',
      'SCORER_CRASH_POINTS entries must be',
    ]) {
      expect(message).toContain(fragment);
    }
  });

  it('parses crash points for fault-injection tests', () => {
    const config = loadScorerConfig({ ...base, SCORER_CRASH_POINTS: 'after-state-commit=0.5, after-produce=0' });
    expect([...config.crashPoints]).toEqual([
      ['after-state-commit', 0.5],
      ['after-produce', 0],
    ]);
  });
});
