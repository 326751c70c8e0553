export { loadIngestConfig, type IngestConfig } from './config.js';
export { IngestService, type IngestServiceOptions } from './ingest-service.js';
export { createIngestApp, type IngestAppOptions } from './app.js';
export { ApiKeyVerifier, presentedKey } from '@leadscore/service-kit';
export { DEFAULT_SEGMENT_EVENT_MAP, loadSegmentEventMap, mapSegmentCall, IDENTIFY_MERGE_SUFFIX } from './segment-mapping.js';
export { batchItems, validateItems, type ErrorDetail, type EventFormat } from './event-batch.js';
export { KafkaEventPublisher, type EventPublisher, type RefusedOrigin } from './event-publisher.js';
export { refusedItemMessage, refusedItems, refusedSourceTopic, type RefusedItem } from './refused-item.js';
export { IngestMetrics } from './metrics.js';
