/** @leadscore/engine: the pure rule-grid engine (what a score is: docs/scoring-contract.md). No I/O, no clock. */
export {
  EngineError,
  EngineErrorCode,
  EventValidationError,
  GridValidationError,
  StateDecodeError,
  formatIssue,
  type ValidationIssue,
} from './errors.js';
export type * from './grid-types.js';
export { loadGrid, validateGrid, type GridValidation } from './load-grid.js';
export { DEFAULT_SCORE_ID } from './grid-types.js';
export {
  compileGrid,
  gridFingerprint,
  CONTACT_UPDATED,
  DEFAULT_RECENT_LIMIT,
  type CompiledGrid,
  type CompiledRule,
  type CompiledCounter,
  type CompiledCountingRule,
  type CompiledConditionRule,
  type CompiledPropertyRule,
} from './compile-grid.js';
export { parseEvent, parseIsoInstant, toLeadEvent, MAX_FUTURE_MS, type LeadEvent, type EventParse } from './lead-event.js';
export type { PropertyValue } from './value-predicate.js';
export {
  emptyState,
  type ContactState,
  type CounterState,
  type TotalCounterState,
  type DailyCounterState,
  type PropertyEntry,
} from './contact-state.js';
export { applyEvent, isMatching } from './apply-event.js';
export { reevaluate, type ReevaluationCause, type ReevaluateOptions } from './reevaluate.js';
export { scoreAt, type Score, type Contribution, type ScoreValue, type GroupValue } from './score-at.js';
export { requireSingleScore } from './single-score-only.js';
export {
  MATRIX_SCORE_ID,
  gradeOf,
  type CompiledScore,
  type CompiledGroup,
  type CompiledMatrix,
  type Grade,
} from './compile-scores.js';
export { nextExpiryAt } from './next-expiry.js';
export type {
  AnyCause,
  MergeCause,
  Cause,
  ChangedContribution,
  Crossing,
  Direction,
  Evaluation,
  GradeChange,
  OutputContext,
  ScoreChange,
  ThresholdCrossing,
} from './score-change.js';
export { encodeState, decodeState, STATE_FORMAT_VERSION } from './state-codec.js';
export { DAY_MS, utcDay } from './utc-day.js';
export { AccountRollup, type ReplayedAccount, type ReplayAccountCrossing } from './account-rollup.js';
export { replayEvents, type ReplayResult, type ReplayedContact, type ReplayCrossing, type BadLine } from './replay-events.js';
export { WorkingState, applyInPlace, recentKeyNumber, workingTotal, type InPlaceResult } from './working-state.js';
export { compileAccounts, type CompiledAccounts, type CompiledAggregate } from './compile-accounts.js';
export {
  ACCOUNT_UPDATED,
  isAccountEventLine,
  parseAccountEvent,
  type AccountEvent,
  type AccountEventParse,
} from './account-event.js';
export { AccountMembers, type MemberScore } from './account-members.js';
export { AccountState } from './account-state.js';
export { decodeAccount, encodeAccountHeader, encodeMemberField, type StoredAccount } from './account-state-codec.js';
export type {
  AccountCause,
  AccountEvaluation,
  AccountOutputContext,
  AccountScoreChange,
  AccountThresholdCrossing,
  MemberChange,
} from './account-change.js';
export {
  accountScoreOf,
  applyAccountUpdate,
  applyMemberLeft,
  applyMemberScore,
  applyMembershipChange,
  isMatchingAccountEvent,
  type AccountScore,
  type MembershipChange,
} from './apply-account.js';
export { CONTACT_MERGED, MERGED_FROM, mergedFromOf } from './merge-event.js';
export { IdentityRoots, type RootMerge } from './identity-roots.js';
export {
  absorbContact,
  mergeContacts,
  unionStates,
  type AbsorbInput,
  type MergeInput,
  type MergeResult,
  type MergeSide,
} from './merge-contacts.js';
export { cyrb53, toBase64Digits } from './hash.js';
