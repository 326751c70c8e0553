export { KeyLayout } from './key-layout.js';
export { RedisScript, commandNameFor, type ScriptArg } from './redis-script.js';
export { loadScript, type ScriptCall, type ScriptHost } from './script-loader.js';
export {
  ALL_SCRIPTS,
  APPLY_CROSSING,
  CLAIM_DUE_CONTACTS,
  CLEAR_OUTBOX,
  IDENTITY_ROOTS,
  LINK_IDENTITY,
  SEAL_CONTACT,
  SETTLE_PENDING,
  COMMIT_ACCOUNT,
  COMMIT_STATE,
  MARK_GRID_QUEUED,
  PROJECT_ACCOUNT_SCORES,
  PROJECT_LEADERBOARD,
  PROJECT_SCORE_CHANGE,
  PUBLISH_GRID,
  SWITCH_GRID,
  type GridSwitchStatus,
} from './scripts.js';
export { StageReader, type ContactStage, type StageHistoryEntry } from './stage-reader.js';
export {
  GridRolloutReader,
  parseScorerEntry,
  type GridRollout,
  type RunningGridRecord,
  type ScorerGridEntry,
} from './grid-rollout-reader.js';
export { PublishedGridStore, type AuditEntry, type PublishedGrid } from './published-grid-store.js';
export { IdentityReader, SEALED_STATE_PREFIX, isSealedState, sealedSnapshot } from './identity-reader.js';
