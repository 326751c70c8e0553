import { CHUNK_BUCKETS, ServiceMetrics } from '@leadscore/service-kit';

/** The account service's Prometheus metrics (no contactId or accountId labels). */
export class AccountsMetrics extends ServiceMetrics {
  readonly inputs = this.counter('leadscore_accounts_inputs_total', 'Input messages handled, by stage (members, accounts).', [
    'stage',
  ]);
  readonly memberChanges = this.counter(
    'leadscore_accounts_member_changes_total',
    'Member changes sent to the account-members topic by the members stage, by kind (SCORE, JOIN, LEAVE).',
    ['kind'],
  );
  readonly memberChangesSkipped = this.counter(
    'leadscore_accounts_member_changes_skipped_total',
    'Member changes the accounts stage skipped: their member sequence was already applied (redelivered or stale).',
  );
  readonly accountEventDuplicates = this.counter(
    'leadscore_accounts_account_event_duplicates_total',
    'account_updated events whose id the account remembers: nothing changed.',
  );
  readonly accountScoreChanges = this.counter(
    'leadscore_accounts_score_changes_total',
    'account-score-changed outputs committed, by cause kind.',
    ['cause'],
  );
  readonly accountThresholdCrossings = this.counter(
    'leadscore_accounts_threshold_crossings_total',
    'account-threshold-crossed outputs committed, by threshold and direction.',
    ['threshold', 'direction'],
  );
  readonly accountLoads = this.counter(
    'leadscore_accounts_account_loads_total',
    'Accounts an accounts-stage chunk worked on, by where the account came from (memory, or read whole from redis).',
    ['source'],
  );
  readonly memberLoads = this.counter(
    'leadscore_accounts_member_loads_total',
    'Member records a members-stage chunk worked on, by where the record came from (memory, or read from redis).',
    ['source'],
  );
  readonly outboxClearFailures = this.counter(
    'leadscore_accounts_outbox_clear_failures_total',
    'Outbox clears that failed after their outputs were produced, by stage (the outbox stays; its outputs may be produced again, same ids).',
    ['stage'],
  );
  readonly stateConflicts = this.counter(
    'leadscore_accounts_state_conflicts_total',
    'Commits that lost their compare-and-set (another writer got there first), by stage.',
    ['stage'],
  );
  readonly deadLettered = this.counter(
    'leadscore_accounts_dead_lettered_total',
    'Messages sent to the dead-letter topic (bad account_updated, undecodable), by stage.',
    ['stage'],
  );
  readonly skipped = this.counter(
    'leadscore_accounts_contact_events_skipped_total',
    'Contact events and score changes the members stage skipped, by reason: invalid or undecodable (the scorer dead-letters them too), other-score (a score change of a score accounts.from does not name).',
    ['reason'],
  );
  readonly chunkDuration = this.histogram(
    'leadscore_accounts_chunk_duration_seconds',
    'Time to handle one chunk (decode, Redis, produce).',
    CHUNK_BUCKETS,
  );
  readonly consumerLag = this.gauge(
    'leadscore_accounts_consumer_lag',
    'Messages behind the partition high watermark, as of the last batch fetched, by stage (its consumer group), topic and partition.',
    ['stage', 'topic', 'partition'],
  );
  readonly pausedPartitions = this.gauge(
    'leadscore_accounts_paused_partitions',
    'Partitions paused while a dependency (Redis, the broker, the registry) is unavailable.',
  );

  constructor(options: { defaultMetrics?: boolean } = {}) {
    super('leadscore_accounts_', options);
  }
}
