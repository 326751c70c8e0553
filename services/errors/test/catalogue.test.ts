import { readFileSync } from 'node:fs';
import {
  KafkaJSConnectionError,
  KafkaJSError,
  KafkaJSNonRetriableError,
  KafkaJSNumberOfRetriesExceeded,
  KafkaJSProtocolError,
  KafkaJSRequestTimeoutError,
} from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { ERROR_CATALOGUE, EXIT_CODES, ErrorCode, exitCodeFor, isRetriable, LeadscoreError } from '../src/index.js';

const entries = Object.values(ERROR_CATALOGUE);

/** A kafkajs protocol error as its broker-response decoder builds it: the flag comes from Kafka's error table. */
function protocolError(type: string, code: number, retriable: boolean): KafkaJSProtocolError {
  return new KafkaJSProtocolError(Object.assign(new Error(`${type} from the broker`), { type, code, retriable }));
}

describe('the error catalogue', () => {
  it('gives every code one entry, a meaning and an exit code of EXIT_CODES', () => {
    const codes = entries.map((e) => e.code);
    expect(new Set(codes).size).toBe(codes.length);
    const exitCodes = new Set<number>(Object.values(EXIT_CODES));
    for (const e of entries) {
      expect(e.meaning, e.code).not.toBe('');
      expect(exitCodes.has(e.exitCode), e.code).toBe(true);
      expect(e.exitCode, e.code).not.toBe(EXIT_CODES.stopped);
      expect(exitCodeFor(new LeadscoreError(e.code, 'x')), e.code).toBe(e.exitCode);
    }
  });

  it('keeps the exit codes docs/operations.md and the Helm NOTES.txt promise', () => {
    for (const code of [ErrorCode.ConfigInvalid, ErrorCode.GridInvalid, ErrorCode.GridUnreadable]) {
      expect(exitCodeFor({ code })).toBe(2);
    }
    const refused = [
      ErrorCode.KafkaAuthFailed,
      ErrorCode.KafkaTlsFailed,
      ErrorCode.RedisAuthFailed,
      ErrorCode.RedisTlsFailed,
      ErrorCode.RegistryAuthFailed,
    ];
    for (const code of refused) expect(exitCodeFor({ code })).toBe(3);
    expect(exitCodeFor({ code: ErrorCode.KafkaUnavailable })).toBe(1);
    expect(exitCodeFor(new Error('boom'))).toBe(1);
    expect(exitCodeFor({ code: 'SOMEONE_ELSES' })).toBe(1);
    expect(exitCodeFor(undefined)).toBe(1);
  });

  it('is documented in docs/operations.md: one table row per code, with its retriability and exit code', () => {
    const doc = readFileSync(new URL('../../../docs/operations.md', import.meta.url), 'utf8');
    for (const e of entries) {
      const row = new RegExp(`^\\| \`${e.code}\` +\\|[^|]+\\| ${e.retriable ? 'yes' : 'no'} +\\| ${e.exitCode} +\\|$`, 'm');
      expect(doc, e.code).toMatch(row);
    }
  });

  it('takes retriability from the catalogue unless the thrower knows better, and keeps the cause', () => {
    const cause = new Error('ECONNREFUSED');
    const publish = new LeadscoreError(ErrorCode.PublishFailed, 'not acknowledged', { cause });
    expect(publish.retriable).toBe(true);
    expect(publish.cause).toBe(cause);
    expect(publish.name).toBe('LeadscoreError');
    expect(new LeadscoreError(ErrorCode.ConfigInvalid, 'bad').retriable).toBe(false);
    expect(new LeadscoreError(ErrorCode.RegistryRejected, '503', { retriable: true }).retriable).toBe(true);
    class ScorerLikeError extends LeadscoreError {}
    expect(new ScorerLikeError(ErrorCode.StateConflict, 'x').name).toBe('ScorerLikeError');
  });
});

describe('isRetriable', () => {
  it("follows kafkajs' own flag: its non-retriable errors are not retried", () => {
    expect(isRetriable(new KafkaJSNonRetriableError('broken'))).toBe(false);
    expect(isRetriable(protocolError('TOPIC_AUTHORIZATION_FAILED', 29, false))).toBe(false);
    expect(isRetriable(protocolError('INVALID_RECORD', 87, false))).toBe(false);
    expect(
      isRetriable(new KafkaJSNumberOfRetriesExceeded(new KafkaJSConnectionError('down'), { retryCount: 5, retryTime: 1 })),
    ).toBe(false);
  });

  it('and its retriable ones are', () => {
    expect(isRetriable(protocolError('NOT_LEADER_FOR_PARTITION', 6, true))).toBe(true);
    expect(isRetriable(protocolError('REQUEST_TIMED_OUT', 7, true))).toBe(true);
    expect(isRetriable(new KafkaJSConnectionError('Connection error: ECONNREFUSED'))).toBe(true);
    expect(isRetriable(new KafkaJSRequestTimeoutError('Request Produce(key: 0, version: 7) timed out'))).toBe(true);
    expect(isRetriable(new KafkaJSError('transient'))).toBe(true);
  });

  it('for our errors, the error says; for a bare code, the catalogue; for ioredis, its error names', () => {
    expect(isRetriable(new LeadscoreError(ErrorCode.RedisUnavailable, 'down'))).toBe(true);
    expect(isRetriable(new LeadscoreError(ErrorCode.Undecodable, 'garbage'))).toBe(false);
    expect(isRetriable({ code: ErrorCode.KafkaUnavailable })).toBe(true);
    expect(isRetriable({ code: ErrorCode.GridInvalid })).toBe(false);
    expect(isRetriable(Object.assign(new Error('retries exhausted'), { name: 'MaxRetriesPerRequestError' }))).toBe(true);
    expect(isRetriable(Object.assign(new Error('closed'), { name: 'ConnectionError' }))).toBe(true);
    // a Redis reply that says "not yet" is retriable; one that says the command is wrong is not
    const reply = (message: string) => Object.assign(new Error(message), { name: 'ReplyError' });
    expect(isRetriable(reply('LOADING Redis is loading the dataset in memory'))).toBe(true);
    expect(isRetriable(reply('BUSY Redis is busy running a script.'))).toBe(true);
    expect(isRetriable(reply('TRYAGAIN Multiple keys request during rehashing of slot'))).toBe(true);
    expect(isRetriable(reply('CLUSTERDOWN The cluster is down'))).toBe(true);
    expect(isRetriable(reply("READONLY You can't write against a read only replica."))).toBe(true);
    expect(isRetriable(reply('NOSCRIPT No matching script.'))).toBe(false);
    expect(isRetriable(reply('ERR Error running script: user_script:3: bad argument'))).toBe(false);
    expect(isRetriable(reply('WRONGTYPE Operation against a key holding the wrong kind of value'))).toBe(false);
    expect(isRetriable(new TypeError('a bug'))).toBe(false);
    expect(isRetriable('REDIS_UNAVAILABLE')).toBe(false);
    expect(isRetriable(null)).toBe(false);
  });
});
