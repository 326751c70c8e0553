export { loadLifecycleConfig, type LifecycleConfig } from './config.js';
export { LifecycleService, type LifecycleServiceOptions } from './lifecycle-service.js';
export { LifecycleWorkflow, type LifecycleWorkflowOptions } from './lifecycle-workflow.js';
export {
  StageStore,
  stageChangeId,
  type ContactStage,
  type StageHistoryEntry,
  type CrossingInput,
  type CrossingOutcome,
} from './stage-store.js';
export { LIFECYCLE_STAGES, isLifecycleStage } from './stages.js';
export { LifecycleMetrics } from './metrics.js';
