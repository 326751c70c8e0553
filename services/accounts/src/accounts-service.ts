import { topicNames, type TopicNames } from '@leadscore/contracts';
import type { CompiledAccounts, CompiledGrid } from '@leadscore/engine';
import { ErrorCode } from '@leadscore/errors';
import {
  crashPoints,
  KafkaOutputProducer,
  StreamService,
  type CrashPoint,
  type ConsumerServiceOptions,
  type RedisSettings,
  type RuntimeContext,
  type ServiceParts,
  type StreamStep,
} from '@leadscore/service-kit';
import { AccountCache } from './account-cache.js';
import { AccountOutputWriter } from './account-output-writer.js';
import { AccountStage } from './account-stage.js';
import { AccountServiceStore } from './account-stores.js';
import { AccountsError } from './accounts-error.js';
import type { AccountsConfig } from './config.js';
import { MemberCache } from './member-cache.js';
import { MemberStage } from './member-stage.js';
import { AccountsMetrics } from './metrics.js';

export interface AccountsServiceOptions extends ConsumerServiceOptions<AccountsConfig> {
  /** GRID_FILE's grid: its `accounts` section is what is scored. */
  readonly grid: CompiledGrid;
  /** Tests: where the work stops; replaces ACCOUNTS_CRASH_POINTS. */
  readonly crashPoint?: CrashPoint;
}

/**
 * The streaming account service (docs/accounts.md): one process, two consumer groups. The
 * members stage (keyed by contact) turns score-changed, contact-merged and account-key updates
 * into member changes on the account-members topic, keyed by account; the accounts stage applies them and
 * account_updated events to the accounts and emits account-score-changed and
 * account-threshold-crossed. Both commit with compare-and-set and an outbox (docs/streaming.md,
 * "Accounts: exactness across the re-keying").
 */
export class AccountsService extends StreamService<AccountsMetrics, RedisSettings, StreamStep> {
  readonly topics: TopicNames;
  private readonly accounts: CompiledAccounts;

  /** @throws AccountsError GRID_INVALID when the grid has no `accounts` section */
  constructor(private readonly options: AccountsServiceOptions) {
    const { config, grid } = options;
    const topics = topicNames(config.topicPrefix);
    super(new AccountsMetrics({ defaultMetrics: true }), config.httpPort, {
      name: 'account service',
      logger: options.logger,
      opsPort: config.httpPort,
      redis: config,
      stream: {
        settings: config,
        topics,
        kinds: [
          'behaviouralEvents',
          'contactUpdates',
          'scoreChanged',
          'contactMerged',
          'accountMembers',
          'accountUpdates',
          'accountScoreChanged',
          'accountThresholdCrossed',
          'deadLetters',
        ],
      },
      ...(options.onFatal ? { onFatal: options.onFatal } : {}),
    });
    if (grid.accounts === null) {
      throw new AccountsError(
        ErrorCode.GridInvalid,
        `the grid ${config.gridFile} has no accounts section: there is nothing to score`,
      );
    }
    this.accounts = grid.accounts;
    this.topics = topics;
  }

  protected parts({ redis, stream: { codec, sender } }: RuntimeContext<RedisSettings, StreamStep>): ServiceParts {
    const { config, grid } = this.options;
    const topics = this.topics;
    const metrics = this.metrics;
    const now = this.options.now ?? Date.now;
    const crashPoint = this.options.crashPoint ?? crashPoints(config.crashPoints);
    const store = new AccountServiceStore(redis, config.redisKeyPrefix);
    const producer = new KafkaOutputProducer(sender);
    const writer = new AccountOutputWriter(codec);
    const cache = new AccountCache(config.cacheAccounts);
    const memberCache = new MemberCache(config.cacheMembers);
    const common = { grid, accounts: this.accounts, codec, topics, store, producer, writer, metrics, now, crashPoint };
    const members = new MemberStage({ ...common, cache: memberCache });
    const accounts = new AccountStage({ ...common, cache });
    // one lag gauge for both groups, told apart by the stage label (each group drops only its own series)
    const consumerMetrics = (stage: 'members' | 'accounts') => ({
      chunkDuration: metrics.chunkDuration,
      pausedPartitions: metrics.pausedPartitions,
      consumerLag: metrics.consumerLag,
      consumerLagLabels: { stage },
    });
    const beforeOffsetResolve = crashPoint ? () => crashPoint('before-offset-resolve') : undefined;
    const shared = {
      chunkSize: config.chunkSize,
      partitionsConsumedConcurrently: config.partitionsConsumedConcurrently,
      sessionTimeoutMs: config.sessionTimeoutMs,
      // the topics of a stage are keyed alike (contactId, or accountId): partition p of each holds the same keys
      onePerPartitionNumber: true,
      ...(beforeOffsetResolve ? { beforeOffsetResolve } : {}),
    };
    return {
      consumers: [
        {
          ...shared,
          handler: (topic, partition, messages) => members.handle(topic, partition, messages),
          groupId: config.membersGroupId,
          topics: [topics.scoreChanged, topics.contactMerged, topics.behaviouralEvents, topics.contactUpdates],
          readinessKey: 'consumer:members',
          metrics: consumerMetrics('members'),
          // partitions may have moved: a stale record only costs a lost compare-and-set, drop them to free them
          onGroupJoin: () => memberCache.clear(),
        },
        {
          ...shared,
          handler: (topic, partition, messages) => accounts.handle(topic, partition, messages),
          groupId: config.accountsGroupId,
          topics: [topics.accountMembers, topics.accountUpdates],
          readinessKey: 'consumer:accounts',
          metrics: consumerMetrics('accounts'),
          // partitions may have moved: what memory holds is checked by every commit anyway, drop it to free it
          onGroupJoin: () => cache.clear(),
        },
      ],
      describe: {
        membersGroupId: config.membersGroupId,
        accountsGroupId: config.accountsGroupId,
        accountKey: this.accounts.key,
        grid: `${grid.name} v${grid.version}`,
      },
    };
  }
}
