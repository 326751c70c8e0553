import { describe, expect, it } from 'vitest';
import { loadConsoleConfig } from '../src/config.js';

const base = { REDIS_URL: 'redis://127.0.0.1:6379', CONSOLE_EDITOR_KEYS: 'ana:editor-key-0123456789' };
const kafka = { KAFKA_BROKERS: '127.0.0.1:9092', SCHEMA_REGISTRY_URL: 'http://127.0.0.1:8081/apis/ccompat/v7' };

describe('the history drafts are tested on (CONSOLE_HISTORY_SOURCE)', () => {
  it('is the file when only CONSOLE_HISTORY_FILE is set, and none without either', () => {
    expect(loadConsoleConfig({ ...base, CONSOLE_HISTORY_FILE: 'events.ndjson' }).historySource).toBe('file');
    expect(loadConsoleConfig(base).historySource).toBeUndefined();
  });

  it('reads the input topics with Kafka, bounded by CONSOLE_HISTORY_MAX_EVENTS and MAX_EVENT_BYTES', () => {
    const config = loadConsoleConfig({
      ...base,
      ...kafka,
      CONSOLE_HISTORY_SOURCE: 'topics',
      CONSOLE_HISTORY_MAX_EVENTS: '5000',
      MAX_EVENT_BYTES: '1024',
    });
    expect(config).toMatchObject({ historySource: 'topics', historyMaxEvents: 5000, maxEventBytes: 1024 });
    expect(loadConsoleConfig({ ...base, ...kafka, CONSOLE_HISTORY_SOURCE: 'topics' }).historyMaxEvents).toBe(1_000_000);
  });

  it('refuses topics without Kafka, topics beside a file, a file source without a file, and unknown sources', () => {
    const problems = (env: Record<string, string>) => {
      try {
        loadConsoleConfig({ ...base, ...env });
        return '';
      } catch (error) {
        return (error as Error).message;
      }
    };
    expect(problems({ CONSOLE_HISTORY_SOURCE: 'topics' })).toMatch(/CONSOLE_HISTORY_SOURCE=topics needs KAFKA_BROKERS/);
    expect(problems({ ...kafka, CONSOLE_HISTORY_SOURCE: 'topics', CONSOLE_HISTORY_FILE: 'e.ndjson' })).toMatch(/set one of them/);
    expect(problems({ CONSOLE_HISTORY_SOURCE: 'file' })).toMatch(/needs CONSOLE_HISTORY_FILE/);
    expect(problems({ CONSOLE_HISTORY_SOURCE: 'kafka' })).toMatch(/must be file or topics, got "kafka"/);
    expect(problems({ ...kafka, CONSOLE_HISTORY_SOURCE: 'topics', CONSOLE_HISTORY_MAX_EVENTS: '0' })).toMatch(
      /CONSOLE_HISTORY_MAX_EVENTS must be an integer/,
    );
  });
});
