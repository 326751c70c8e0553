/**
 * Topic names of the system. Every name derives from one prefix so a test run, a tenant or a
 * rebuild into fresh topics can use its own set (`topicNames('t-1234')`).
 */
export const TOPIC_KINDS = [
  'behaviouralEvents',
  'contactUpdates',
  'scoreChanged',
  'thresholdCrossed',
  'gradeChanged',
  'contactMerged',
  'lifecycleStageChanged',
  'deadLetters',
  'accountUpdates',
  'accountScoreChanged',
  'accountThresholdCrossed',
  'accountMembers',
] as const;

export type TopicKind = (typeof TOPIC_KINDS)[number];
export type TopicNames = Readonly<Record<TopicKind, string>>;

const SUFFIXES: Record<TopicKind, string> = {
  behaviouralEvents: 'behavioural-events',
  contactUpdates: 'contact-updates',
  scoreChanged: 'score-changed',
  thresholdCrossed: 'threshold-crossed',
  // A grid with a grade matrix (docs/grid-authoring.md "Several scores"): keyed by contactId.
  gradeChanged: 'grade-changed',
  // Identity (docs/identity.md): a merged-away id now means another; keyed by the merged-away id.
  contactMerged: 'contact-merged',
  lifecycleStageChanged: 'lifecycle-stage-changed',
  deadLetters: 'dead-letters',
  // Account scoring (docs/accounts.md): keyed by accountId.
  accountUpdates: 'account-updates',
  accountScoreChanged: 'account-score-changed',
  accountThresholdCrossed: 'account-threshold-crossed',
  // Internal to the account service: member changes re-keyed from contactId to accountId.
  accountMembers: 'account-members',
};

export const DEFAULT_TOPIC_PREFIX = 'leadscore';

export function topicNames(prefix: string = DEFAULT_TOPIC_PREFIX): TopicNames {
  if (!/^[a-zA-Z0-9._-]+$/.test(prefix)) {
    throw new RangeError(`topic prefix must match [a-zA-Z0-9._-]+, got ${JSON.stringify(prefix)}`);
  }
  const names = {} as Record<TopicKind, string>;
  for (const kind of TOPIC_KINDS) names[kind] = `${prefix}.${SUFFIXES[kind]}`;
  return Object.freeze(names);
}

/** Confluent TopicNameStrategy: the value schema of topic T lives under subject `T-value`. */
export function valueSubject(topic: string): string {
  return `${topic}-value`;
}
