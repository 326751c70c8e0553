export { loadScorerConfig, type ScorerConfig } from './config.js';
export { ScorerService, type ScorerServiceOptions } from './scorer-service.js';
export { BatchScorer, applyEvents, applyInputs, type DeadLetterFactory, type MessageDecoder } from './batch-scorer.js';
export { inputSource, type PositionedEvent } from './input-positions.js';
export { ContactStateStore } from './contact-state-store.js';
export { RedisIdentityStore, type IdentityStore } from './identity-store.js';
export { ContactUpdater, type ContactStore, type ScoreOutputEncoder, type UpdaterMetrics } from './contact-updater.js';
export { ReevaluationSweeper } from './reevaluation-sweeper.js';
export { EventDecoder, type DeadLetterReason } from './event-decoder.js';
export { ScoreOutputWriter } from './score-output-writer.js';
export { KafkaOutputProducer, type OutputProducer } from './output-producer.js';
export { ScorerMetrics } from './metrics.js';
export { ScorerError } from './scorer-error.js';
export type { InputMessage } from '@leadscore/contracts';
// shared with the account service, which runs the same commit protocol (docs/streaming.md)
export { encodeOutbox, decodeOutbox, type OwedOutput } from './outbox-codec.js';
export { addOutput, type OutputBatch, type OutputMessage } from './output-batch.js';
export { crashPoints, CRASH_POINT_NAMES, type CrashPoint, type CrashPointName } from './crash-points.js';
