import { Kafka, logLevel as KafkaLogLevel, type KafkaConfig, type SASLOptions } from 'kafkajs';
import type { Logger } from 'pino';
import { ErrorCode } from '@leadscore/errors';
import { describeKafkaSecurity, tlsOptions, type KafkaSecurity } from './connection-security.js';
import { kafkaLogCreator } from './kafka-logging.js';
import { errorChain, refusedOurCertificate, TLS_CODES, TLS_FAILURE } from './connection-errors.js';
import { ServiceError } from './service-error.js';

export interface KafkaConnectionOptions {
  readonly clientId: string;
  readonly brokers: readonly string[];
  readonly security?: KafkaSecurity;
  /** kafkajs logs through this logger at WARN and above; silent when absent. */
  readonly logger?: Logger;
}

/** A kafkajs client with the configured SASL login and TLS. */
export function createKafka(options: KafkaConnectionOptions): Kafka {
  const security = options.security ?? {};
  const config: KafkaConfig = {
    clientId: options.clientId,
    brokers: [...options.brokers],
    ...(options.logger
      ? { logLevel: KafkaLogLevel.WARN, logCreator: kafkaLogCreator(options.logger) }
      : { logLevel: KafkaLogLevel.NOTHING }),
    ...(security.tls ? { ssl: tlsOptions(security.tls) } : {}),
    ...(security.sasl ? { sasl: { ...security.sasl } as SASLOptions } : {}),
  };
  return new Kafka(config);
}

/** A kafkajs client whose login the cluster has just accepted (createKafka, then verifyKafkaAccess). */
export async function connectKafka(options: KafkaConnectionOptions): Promise<Kafka> {
  const kafka = createKafka(options);
  await verifyKafkaAccess(kafka, options);
  return kafka;
}

/**
 * Logs in to the cluster once and reads its metadata, so that refused credentials or an
 * untrusted certificate stop the service at start-up with the reason, instead of surfacing later
 * as a consumer crash or an endless retry.
 * @throws ServiceError KAFKA_AUTH_FAILED or KAFKA_TLS_FAILED (not retriable), KAFKA_UNAVAILABLE (retriable)
 */
export async function verifyKafkaAccess(
  kafka: Kafka,
  options: Pick<KafkaConnectionOptions, 'brokers' | 'security'>,
): Promise<void> {
  const admin = kafka.admin();
  try {
    await admin.connect();
    await admin.describeCluster();
  } catch (error) {
    throw kafkaAccessError(error, options);
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

/** Turns a kafkajs connection failure into an error that says what to check. */
export function kafkaAccessError(error: unknown, options: Pick<KafkaConnectionOptions, 'brokers' | 'security'>): ServiceError {
  const security = options.security ?? {};
  const where = `Kafka at ${options.brokers.join(',')} (${describeKafkaSecurity(security)})`;
  const chain = errorChain(error);
  const reason = chain.map((e) => e.message).find(Boolean) ?? String(error);
  if (chain.some((e) => e.name === 'KafkaJSSASLAuthenticationError')) {
    const detail = chain.find((e) => e.name === 'KafkaJSSASLAuthenticationError')?.message ?? reason;
    return new ServiceError(
      ErrorCode.KafkaAuthFailed,
      `${where} refused the login: ${detail}. Check KAFKA_SASL_USERNAME, KAFKA_SASL_PASSWORD and KAFKA_SASL_MECHANISM.`,
      { cause: error },
    );
  }
  const tlsFailure = chain.find((e) => TLS_FAILURE.test(e.message) || TLS_CODES.has(e.code ?? ''));
  if (tlsFailure) {
    const check = refusedOurCertificate(tlsFailure)
      ? "The broker refused this client's certificate: check KAFKA_TLS_CERT_FILE and KAFKA_TLS_KEY_FILE (a certificate signed by an authority the brokers trust)"
      : "Check KAFKA_TLS_CA_FILE (the authority that signed the brokers' certificates) and the broker addresses";
    return new ServiceError(ErrorCode.KafkaTlsFailed, `TLS with ${where} failed: ${tlsFailure.message.trim()}. ${check}.`, {
      cause: error,
    });
  }
  const hint = chain.some((e) => e.name === 'KafkaJSConnectionClosedError')
    ? ' The broker closed the connection at once: does its listener expect SASL or TLS (KAFKA_SASL_MECHANISM, KAFKA_TLS)?'
    : '';
  return new ServiceError(ErrorCode.KafkaUnavailable, `cannot reach ${where}: ${reason}.${hint}`, { cause: error });
}
