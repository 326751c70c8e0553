import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { compileGrid, loadGrid } from '@leadscore/engine';
import { loadScorerConfig } from '../src/config.js';
import { Readiness } from '@leadscore/service-kit';
import { ScorerService } from '../src/scorer-service.js';

describe('readiness', () => {
  it('is ready only when no check reports a problem', () => {
    const readiness = new Readiness();
    readiness.set('redis', 'reconnecting');
    readiness.set('consumer', 'rebalancing');
    expect(readiness.ready).toBe(false);
    expect(readiness.report()).toEqual({ redis: 'reconnecting', consumer: 'rebalancing' });
    readiness.set('redis', null);
    readiness.set('consumer', null);
    expect(readiness.ready).toBe(true);
  });

  it('a scorer that has not finished starting is not ready', () => {
    const config = loadScorerConfig({
      KAFKA_BROKERS: '127.0.0.1:1',
      SCHEMA_REGISTRY_URL: 'http://127.0.0.1:1',
      REDIS_URL: 'redis://127.0.0.1:1',
    });
    const grid = compileGrid(loadGrid('name: g\nversion: 1\nrules: [{ id: a, on: page_viewed, points: 1 }]\n'));
    const service = new ScorerService({ config, grid, logger: pino({ level: 'silent' }) });
    expect(service.readiness.ready).toBe(false);
    expect(service.readiness.report()).toEqual({ startup: 'starting' });
  });
});
