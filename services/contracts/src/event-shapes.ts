/**
 * Typed shapes of the values on our topics, as they are in JavaScript after Avro decoding
 * (longs are numbers, enums are upper-case strings). They mirror schemas/avro/*.avsc.
 */
export type PropertyValue = string | number | boolean | null;

export interface BehaviouralEventValue {
  eventId: string;
  contactId: string;
  type: string;
  occurredAt: number;
  properties: Record<string, PropertyValue>;
  source: string | null;
}

export interface ContactUpdatedValue {
  eventId: string;
  contactId: string;
  occurredAt: number;
  properties: Record<string, PropertyValue>;
  source: string | null;
}

export type ScoreCauseKind = 'EVENT' | 'DECAY' | 'GRID_CHANGE' | 'MERGE';

export interface ScoreCauseValue {
  kind: ScoreCauseKind;
  eventId: string | null;
}

export interface RuleContributionValue {
  ruleId: string;
  label: string | null;
  count: number;
  points: number;
  previousPoints: number;
}

export interface ScoreChangedValue {
  id: string;
  contactId: string;
  sequence: number;
  previousScore: number;
  score: number;
  delta: number;
  gridName: string;
  gridVersion: number;
  cause: ScoreCauseValue;
  changedContributions: RuleContributionValue[];
  evaluatedAt: number;
  /** Which score changed; absent when written means (and decoded is) "score", a grid of one score. */
  scoreId?: string;
}

/** A contact's grade (its matrix cell) changed: grade-changed. */
export interface GradeChangedValue {
  id: string;
  contactId: string;
  sequence: number;
  previousGrade: string;
  grade: string;
  rowScoreId: string;
  rowScore: number;
  columnScoreId: string;
  columnScore: number;
  qualified: boolean;
  gridName: string;
  gridVersion: number;
  cause: ScoreCauseValue;
  evaluatedAt: number;
}

export interface ThresholdCrossedValue {
  id: string;
  contactId: string;
  threshold: string;
  at: number;
  direction: 'UP' | 'DOWN';
  score: number;
  previousScore: number;
  gridName: string;
  gridVersion: number;
  cause: ScoreCauseValue;
  sequence: number;
  evaluatedAt: number;
  /** The score whose threshold crossed (`matrix`: the grade matrix's `qualified`); absent when written means "score". */
  scoreId?: string;
}

/** One id now means another (docs/identity.md); keyed by the merged-away contactId. */
export interface ContactMergedValue {
  /** `<mergeEventId>:<contactId>` */
  id: string;
  /** the merged-away id */
  contactId: string;
  /** the root it now resolves to */
  mergedInto: string;
  mergeEventId: string;
  /** ms since the epoch: the merge event's occurredAt */
  occurredAt: number;
  /** ms since the epoch: when the merge was applied */
  emittedAt: number;
}

export interface AccountUpdatedValue {
  eventId: string;
  accountId: string;
  occurredAt: number;
  properties: Record<string, PropertyValue>;
  source: string | null;
}

export type AccountCauseKind = 'MEMBER_SCORE' | 'MEMBERSHIP' | 'ACCOUNT_EVENT';

export interface AccountCauseValue {
  kind: AccountCauseKind;
  contactId: string | null;
  scoreChangeId: string | null;
  eventId: string | null;
}

export interface AccountScoreChangedValue {
  id: string;
  accountId: string;
  sequence: number;
  previousScore: number;
  score: number;
  delta: number;
  aggregate: number;
  members: number;
  gridName: string;
  gridVersion: number;
  cause: AccountCauseValue;
  changedMember: { contactId: string; previousScore: number | null; score: number | null } | null;
  changedContributions: { ruleId: string; label: string | null; points: number; previousPoints: number }[];
  evaluatedAt: number;
}

export interface AccountThresholdCrossedValue {
  id: string;
  accountId: string;
  threshold: string;
  at: number;
  direction: 'UP' | 'DOWN';
  score: number;
  previousScore: number;
  gridName: string;
  gridVersion: number;
  cause: AccountCauseValue;
  sequence: number;
  evaluatedAt: number;
}

/** The account service's internal re-keyed member change (schemas/avro/account-member-change.avsc). */
export interface AccountMemberChangeValue {
  accountId: string;
  contactId: string;
  kind: 'SCORE' | 'JOIN' | 'LEAVE';
  memberSequence: number;
  score: number;
  scoreChangeId: string | null;
  eventId: string | null;
}

export type LifecycleStage = 'SUBSCRIBER' | 'LEAD' | 'MARKETING_QUALIFIED' | 'SALES_QUALIFIED' | 'OPPORTUNITY' | 'CUSTOMER';

export interface LifecycleStageChangedValue {
  id: string;
  contactId: string;
  from: LifecycleStage | null;
  to: LifecycleStage;
  reason: string;
  causeId: string | null;
  changedAt: number;
}

export interface DeadLetterValue {
  reason: string;
  message: string;
  sourceTopic: string;
  sourcePartition: number;
  sourceOffset: string;
  sourceTimestamp: number | null;
  originalKey: Buffer | null;
  originalValue: Buffer | null;
  originalHeaders: Record<string, Buffer>;
  failedAt: number;
  failedBy: string;
}
