import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { ErrorCode } from '@leadscore/errors';
import {
  errorFields,
  exitCodeFor,
  EXIT_CODES,
  kafkaAccessError,
  LOG_REDACT_PATHS,
  redisConnectError,
  ServiceError,
} from '../src/index.js';

const brokers = ['kafka-0.kafka:9093'];
const scram = { sasl: { mechanism: 'scram-sha-512' as const, username: 'leadscore', password: 'the-password' }, tls: {} };

/** Errors shaped as kafkajs and ioredis raise them (names, wrapping), without a server. */
const kafkajsError = (name: string, message: string, extra: object = {}) => Object.assign(new Error(message), { name, ...extra });

describe('what a refused Kafka connection says', () => {
  it('a refused SASL login is KAFKA_AUTH_FAILED, not retriable, naming the user and the variables, never the password', () => {
    const error = kafkaAccessError(
      kafkajsError('KafkaJSSASLAuthenticationError', 'SASL SCRAM SHA512 authentication failed: invalid credentials'),
      { brokers, security: scram },
    );
    expect(error).toBeInstanceOf(ServiceError);
    expect(error.code).toBe('KAFKA_AUTH_FAILED');
    expect(error.retriable).toBe(false);
    expect(error.message).toContain(
      'Kafka at kafka-0.kafka:9093 (SASL SCRAM-SHA-512 as user "leadscore", TLS) refused the login',
    );
    expect(error.message).toContain('Check KAFKA_SASL_USERNAME, KAFKA_SASL_PASSWORD and KAFKA_SASL_MECHANISM');
    expect(error.message).not.toContain('the-password');
    expect(exitCodeFor(error)).toBe(EXIT_CODES.refused);
  });

  it('an untrusted certificate, even wrapped by the retrier, is KAFKA_TLS_FAILED', () => {
    const connection = kafkajsError('KafkaJSConnectionError', 'Connection error: self-signed certificate in certificate chain');
    const retried = kafkajsError(
      'KafkaJSNumberOfRetriesExceeded',
      'Connection error: self-signed certificate in certificate chain',
      { cause: connection },
    );
    const error = kafkaAccessError(retried, { brokers, security: { tls: {} } });
    expect(error.code).toBe('KAFKA_TLS_FAILED');
    expect(error.message).toContain('Check KAFKA_TLS_CA_FILE');
    expect(exitCodeFor(error)).toBe(EXIT_CODES.refused);
  });

  it("a broker refusing the client's own certificate points at KAFKA_TLS_CERT_FILE, not at the CA", () => {
    const alert = kafkajsError(
      'KafkaJSConnectionError',
      'Connection error: SSL routines:ssl3_read_bytes:sslv3 alert bad certificate',
      {
        code: 'ERR_SSL_SSLV3_ALERT_BAD_CERTIFICATE',
      },
    );
    const error = kafkaAccessError(kafkajsError('KafkaJSNumberOfRetriesExceeded', alert.message, { cause: alert }), {
      brokers,
      security: { tls: {} },
    });
    expect(error.code).toBe('KAFKA_TLS_FAILED');
    expect(error.message).toContain(
      "The broker refused this client's certificate: check KAFKA_TLS_CERT_FILE and KAFKA_TLS_KEY_FILE",
    );
    expect(error.message).not.toContain('KAFKA_TLS_CA_FILE');
  });

  it('a broker that hangs up at once hints at a listener expecting SASL or TLS; unreachable is retriable', () => {
    const closed = kafkaAccessError(kafkajsError('KafkaJSConnectionClosedError', 'Closed connection'), { brokers, security: {} });
    expect(closed.code).toBe('KAFKA_UNAVAILABLE');
    expect(closed.retriable).toBe(true);
    expect(closed.message).toContain('does its listener expect SASL or TLS');
    const refused = kafkaAccessError(kafkajsError('KafkaJSConnectionError', 'Connection error: connect ECONNREFUSED'), {
      brokers,
      security: {},
    });
    expect(refused.code).toBe('KAFKA_UNAVAILABLE');
    expect(exitCodeFor(refused)).toBe(EXIT_CODES.failed);
  });
});

describe('what a refused Redis connection says', () => {
  const replyError = (message: string) => Object.assign(new Error(message), { name: 'ReplyError' });

  it('WRONGPASS and NOAUTH are REDIS_AUTH_FAILED, naming the user but neither the password nor the URL credentials', () => {
    for (const reply of ['WRONGPASS invalid username-password pair or user is disabled.', 'NOAUTH Authentication required.']) {
      const error = redisConnectError(replyError(reply), 'rediss://leadscore:url-password@redis:6380', {
        username: 'leadscore',
        password: 'x',
      });
      expect(error.code).toBe('REDIS_AUTH_FAILED');
      expect(error.retriable).toBe(false);
      expect(error.message).toContain('Redis at rediss://redis:6380 (user "leadscore") refused the login');
      expect(error.message).not.toContain('url-password');
    }
  });

  it('a TLS connection Redis drops at once hints at a missing client certificate', () => {
    const reset = redisConnectError(Object.assign(new Error('write ECONNRESET'), { code: 'ECONNRESET' }), 'rediss://redis:6380', {
      tls: {},
    });
    expect(reset.code).toBe('REDIS_UNAVAILABLE');
    expect(reset.message).toContain('does it require a client certificate (REDIS_TLS_CERT_FILE, REDIS_TLS_KEY_FILE)?');
    const plain = redisConnectError(
      Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }),
      'redis://redis:6379',
      {},
    );
    expect(plain.message).not.toContain('client certificate');
  });

  it('an untrusted certificate is REDIS_TLS_FAILED; anything else stays retriable REDIS_UNAVAILABLE', () => {
    const tls = redisConnectError(
      Object.assign(new Error('self-signed certificate in certificate chain'), { code: 'SELF_SIGNED_CERT_IN_CHAIN' }),
      'rediss://redis:6380',
      {},
    );
    expect(tls.code).toBe('REDIS_TLS_FAILED');
    expect(tls.message).toContain('Check REDIS_TLS_CA_FILE');
    const down = redisConnectError(
      Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:6379'), { code: 'ECONNREFUSED' }),
      'redis://127.0.0.1:6379',
      {},
    );
    expect(down.code).toBe('REDIS_UNAVAILABLE');
    expect(down.retriable).toBe(true);
  });
});

describe('exit codes', () => {
  it('separate "fix the configuration" (2), "fix the credentials" (3) and everything else (1)', () => {
    expect(exitCodeFor(new ServiceError(ErrorCode.ConfigInvalid, 'x'))).toBe(2);
    expect(exitCodeFor(Object.assign(new Error('grid'), { code: 'GRID_INVALID' }))).toBe(2);
    expect(exitCodeFor(Object.assign(new Error('registry'), { code: 'REGISTRY_AUTH_FAILED' }))).toBe(3);
    expect(exitCodeFor(new ServiceError(ErrorCode.RedisUnavailable, 'x'))).toBe(1);
    expect(exitCodeFor(new Error('bug'))).toBe(1);
  });
});

describe('logged errors', () => {
  it("keep their class, message and code through the services' redaction, and hide a contact's name", () => {
    const lines: string[] = [];
    const logger = pino({ redact: [...LOG_REDACT_PATHS] }, { write: (line: string) => void lines.push(line) });
    const error = new ServiceError(ErrorCode.KafkaAuthFailed, 'refused the login');
    logger.error({ ...errorFields(error), contact: { name: 'Ada Lovelace' } }, 'failed');
    const logged = JSON.parse(lines[0]!) as { error: unknown; contact: unknown };
    expect(logged.error).toEqual({ type: 'ServiceError', message: 'refused the login', code: 'KAFKA_AUTH_FAILED' });
    expect(logged.contact).toEqual({ name: '[Redacted]' });
  });
});
