/** @leadscore/service-kit: small building blocks shared by the services (no business logic). */
export {
  EnvReader,
  LOG_LEVELS,
  type KafkaSettings,
  type RedisSettings,
  type RegistrySettings,
  type TopicSettings,
} from './env-reader.js';
export { Readiness } from './readiness.js';
export { createOpsServer, readinessBody, listen, closeServer } from './ops-server.js';
export {
  connectRedis,
  redisConnectError,
  quitRedis,
  redisAll,
  redisOne,
  redisUnavailable,
  type RedisClient,
  type RedisConnectionOptions,
} from './redis-connection.js';
export { kafkaLogCreator } from './kafka-logging.js';
export { provisionTopics } from './topic-provisioning.js';
export { ServiceError, errorFields } from './service-error.js';
// the one isRetriable, re-exported for the packages that take the rest of their kit from here
export { isRetriable } from '@leadscore/errors';
export { STARTER_GRID_FILE, readGridFile, loadGridFile } from './grid-file.js';
export { readTopicsToEnd, type ReadMessage, type ReadSummary } from './topic-reader.js';
export { ChunkedConsumer, type ChunkHandler, type ChunkedConsumerOptions } from './chunked-consumer.js';
export { handleInChunks, type ChunkLoopOptions, type ChunkLoopPayload, type ChunkLoopResult } from './chunk-loop.js';
export { OffsetCommitter, type CommitOffsets, type PartitionOffset } from './offset-committer.js';
export {
  KAFKA_SASL_MECHANISMS,
  tlsOptions,
  describeKafkaSecurity,
  type KafkaSaslMechanism,
  type KafkaSecurity,
  type RedisSecurity,
  type RegistryAuth,
  type TlsMaterial,
} from './connection-security.js';
export {
  connectKafka,
  createKafka,
  verifyKafkaAccess,
  kafkaAccessError,
  type KafkaConnectionOptions,
} from './kafka-connection.js';
export {
  runService,
  exitCodeFor,
  EXIT_CODES,
  LOG_REDACT_PATHS,
  type RunnableService,
  type RunServiceOptions,
} from './run-service.js';
export { ApiKeyVerifier, presentedKey } from './api-keys.js';
export { HttpError, type HttpErrorDetail } from './http-error.js';
export { createHttpApp, type HttpAppMetrics, type HttpAppOptions } from './http-app.js';
export { ServiceMetrics, CHUNK_BUCKETS } from './service-metrics.js';
export { connectProducer } from './producer-connection.js';
export {
  StreamRuntime,
  type ConsumerPart,
  type HttpDoor,
  type RuntimeContext,
  type ServiceParts,
  type StreamConnection,
  type StreamRuntimeOptions,
  type StreamStep,
} from './stream-runtime.js';
export { REAL_CONNECTIONS, type Listening, type RuntimeConnections, type Stoppable } from './runtime-connections.js';
export { StreamService, type ConsumerServiceOptions, type StreamServiceOptions } from './stream-service.js';
// the commit protocol's outputs (the scorer and the account service, docs/streaming.md)
export { addOutput, type OutputBatch, type OutputMessage } from './output-batch.js';
export { crossingValueFields, identifiedOutput } from './output-values.js';
export { encodeOutbox, decodeOutbox, type OwedOutput } from './outbox-codec.js';
export { KafkaOutputProducer, type OutputProducer } from './output-producer.js';
export { crashPoints, COMMIT_CRASH_POINT_NAMES, type CommitCrashPointName, type CrashPoint } from './crash-points.js';
