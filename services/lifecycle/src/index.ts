export { loadLifecycleConfig, type LifecycleConfig } from './config.js';
export { LifecycleService, lifecycleInputTopics, type LifecycleServiceOptions } from './lifecycle-service.js';
export {
  LifecycleWorkflow,
  type CrossingStore,
  type LifecycleWorkflowOptions,
  type StageChangeSender,
  type WorkflowMetrics,
} from './lifecycle-workflow.js';
export {
  StageStore,
  stageChangeId,
  type AccountCrossingInput,
  type AccountCrossingOutcome,
  type CrossingInput,
  type CrossingOutcome,
} from './stage-store.js';
export type { ContactStage, StageHistoryEntry } from '@leadscore/redis-layout';
export { LIFECYCLE_STAGES, isLifecycleStage } from '@leadscore/contracts';
export { LifecycleMetrics } from './metrics.js';
