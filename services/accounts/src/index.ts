export { loadAccountsConfig, type AccountsConfig } from './config.js';
export { AccountsService, type AccountsServiceOptions } from './accounts-service.js';
export { MemberStage, type MemberStageDeps } from './member-stage.js';
export { AccountStage, type AccountStageDeps } from './account-stage.js';
export { AccountServiceStore, type StoredValue, type ValueCommit } from './account-stores.js';
export { AccountCache } from './account-cache.js';
export { MemberCache } from './member-cache.js';
export { AccountOutputWriter } from './account-output-writer.js';
export { applyAccountInput, type AccountInput, type AccountStep } from './account-applier.js';
export { decodeAccount, encodeAccountHeader, encodeMemberField, type StoredAccount } from '@leadscore/engine';
export {
  EMPTY_MEMBER,
  accountIdOf,
  applyMemberInput,
  decodeMemberRecord,
  encodeMemberRecord,
  type ForwardedInput,
  type HeldScore,
  type KeyValue,
  type MemberInput,
  type MemberRecord,
  type MemberStep,
} from './member-record.js';
export { commitInRounds, type Computed, type RoundsOptions } from './outbox-rounds.js';
export { AccountsMetrics } from './metrics.js';
export { AccountsError } from './accounts-error.js';
