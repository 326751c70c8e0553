export * from './topics.js';
export * from './avro-schemas.js';
export * from './contract-error.js';
export * from './registry-admin.js';
export * from './avro-codec.js';
export * from './event-shapes.js';
export * from './partitioned-sender.js';
export * from './lead-event-message.js';
