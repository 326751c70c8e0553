import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ApiKeyVerifier, loadIngestConfig, loadSegmentEventMap } from '../src/index.js';

describe('ingest configuration', () => {
  it('lists every problem at once', () => {
    const load = () => loadIngestConfig({ KAFKA_BROKERS: 'nope', INGEST_API_KEYS: 'short', HTTP_PORT: 'x' });
    for (const problem of [
      /KAFKA_BROKERS entries must be host:port/,
      /INGEST_API_KEYS entries must be at least 16/,
      /SCHEMA_REGISTRY_URL is required/,
      /HTTP_PORT must be an integer/,
    ]) {
      expect(load).toThrow(problem);
    }
  });

  it('parses a valid environment into a frozen config', () => {
    const config = loadIngestConfig({
      KAFKA_BROKERS: 'k:9092',
      SCHEMA_REGISTRY_URL: 'http://r:8081',
      INGEST_API_KEYS: 'aaaaaaaaaaaaaaaa, bbbbbbbbbbbbbbbb',
    });
    expect(config.apiKeys).toEqual(['aaaaaaaaaaaaaaaa', 'bbbbbbbbbbbbbbbb']);
    expect(config.maxBatchEvents).toBe(1000);
    expect(Object.isFrozen(config)).toBe(true);
  });

  it('verifies keys: only configured ones, never the empty key', () => {
    const keys = new ApiKeyVerifier(['aaaaaaaaaaaaaaaa']);
    expect(keys.verify('aaaaaaaaaaaaaaaa')).toBe(true);
    expect(keys.verify('aaaaaaaaaaaaaaab')).toBe(false);
    expect(keys.verify('')).toBe(false);
    expect(keys.verify(undefined)).toBe(false);
  });

  it('loads a Segment event map from YAML and names bad entries', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'segmap-'));
    await writeFile(join(dir, 'ok.yaml'), 'events:\n  Trial Started: trial_started\n');
    expect(await loadSegmentEventMap(join(dir, 'ok.yaml'))).toEqual({ 'Trial Started': 'trial_started' });
    await writeFile(join(dir, 'bad.json'), '{"Trial Started": "Trial Started"}');
    await expect(loadSegmentEventMap(join(dir, 'bad.json'))).rejects.toThrow(
      /"Trial Started": "Trial Started" is not an event type/,
    );
  });
});
