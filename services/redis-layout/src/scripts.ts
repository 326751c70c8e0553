import { RedisScript } from './redis-script.js';
import { integerReply, statusAndTextReply, stringListReply, unexpected } from './script-replies.js';

/*
 * Every Lua script of the project, typed: KEYS and ARGV as each script's header lists them
 * (the header is the contract; src/lua/<file>), and the reply as the caller gets it.
 */

/** 1 committed, 0 the state changed since it was read. */
export const COMMIT_STATE = RedisScript.fromFile<
  [state: string, outbox: string],
  [expected: string, value: string, outbox: string],
  number
>('commitState', 'commit-state-2.lua', integerReply);

/** 1 cleared, 0 the outbox holds something else. */
export const CLEAR_OUTBOX = RedisScript.fromFile<[outbox: string], [produced: string], number>(
  'clearOutbox',
  'clear-outbox-1.lua',
  integerReply,
);

/** The contactIds claimed. */
export const CLAIM_DUE_CONTACTS = RedisScript.fromFile<[index: string], [now: number, count: number, leaseMs: number], string[]>(
  'claimDueContacts',
  'claim-due-contacts-1.lua',
  stringListReply,
);

export type GridSwitchStatus = 'same' | 'pending' | 'switched' | 'other';

/** `[status, previousDefinition, generation]` (see switch-grid-1.lua). */
export const SWITCH_GRID = RedisScript.fromFile<
  [gridRecord: string],
  [fingerprint: string, name: string, version: number, definition: string, now: number, adoptOnly: '1' | '0'],
  [status: GridSwitchStatus, previousDefinition: string, generation: number]
>('switchGrid', 'switch-grid-1.lua', gridSwitchReply);

/** 1 published, 0 another publish came first. */
export const PUBLISH_GRID = RedisScript.fromFile<
  [published: string, audit: string],
  [expectedVersion: string, grid: string, auditEntry: string],
  number
>('publishGrid', 'publish-grid-2.lua', integerReply);

/** 1 marked, 0 another grid was recorded meanwhile. */
export const MARK_GRID_QUEUED = RedisScript.fromFile<[gridRecord: string], [fingerprint: string], number>(
  'markGridQueued',
  'mark-grid-queued-1.lua',
  integerReply,
);

/** `[status, entry JSON]`: status 1 moved, 0 recorded without a move, 2 a redelivery. */
export const APPLY_CROSSING = RedisScript.fromFile<
  [stage: string, history: string],
  [
    crossingId: string,
    direction: string,
    target: string,
    stageOrder: string,
    changeId: string,
    now: number,
    threshold: string,
    score: number,
    historyLength: number,
    reason: string,
  ],
  [status: number, entry: string]
>('applyCrossing', 'apply-crossing-2.lua', (reply) => statusAndTextReply(reply));

/**
 * `[1 | 0, latest projected value of the score, the contact's last projected sequence]`: 1
 * projected, 0 ignored (not above the last sequence); value and sequence are null when nothing
 * was ever projected for that score of the contact. `scoreField` is `KeyLayout.projectionScoreField(scoreId)`.
 */
export const PROJECT_SCORE_CHANGE = RedisScript.fromFile<
  [recent: string, projection: string],
  [sequence: number, score: number, entry: string, keep: number, scoreField: string],
  [projected: number, score: string | null, sequence: string | null]
>('projectScoreChange', 'project-score-change-2.lua', projectionReply);

/**
 * `[listed, unlisted]` of the `(contactId, sequence | 'merged', score)` triples written to the
 * contact leaderboard (see project-leaderboard-2.lua): how many wrote their score (the others
 * were not above the contact's listed sequence, or it was unlisted as merged away), and how many
 * entries the merged-away contacts took off.
 */
export const PROJECT_LEADERBOARD = RedisScript.fromFile<
  [board: string, sequences: string],
  [...triples: (string | number)[]],
  [listed: number, unlisted: number]
>('projectLeaderboard', 'project-leaderboard-2.lua', (reply) => {
  if (Array.isArray(reply) && reply.length === 2 && reply.every((n) => typeof n === 'number')) {
    return [reply[0] as number, reply[1] as number];
  }
  throw unexpected('{integer, integer}', reply);
});

/**
 * How many of the `(accountId, sequence, score)` triples were projected into the account
 * leaderboard (see project-account-scores-2.lua); the others were not above their account's last
 * projected sequence.
 */
export const PROJECT_ACCOUNT_SCORES = RedisScript.fromFile<
  [board: string, sequences: string],
  [...triples: (string | number)[]],
  number
>('projectAccountScores', 'project-account-scores-2.lua', integerReply);

/** `[sourceRoot, targetRoot, linked]`: linked 1 when two trees became one, 0 when they were one already. */
export const LINK_IDENTITY = RedisScript.fromFile<
  [parents: string, pending: string],
  [mergedFrom: string, contactId: string, mergeEventId: string, occurredAt: string],
  [sourceRoot: string, targetRoot: string, linked: number]
>('linkIdentity', 'link-identity-2.lua', linkReply);

/** The roots of the ids, in order (an id with no parent is its own root). */
export const IDENTITY_ROOTS = RedisScript.fromFile<[parents: string], string[], string[]>(
  'identityRoots',
  'identity-roots-1.lua',
  stringListReply,
);

/** `[sealed value, outbox]` (see seal-contact-2.lua). */
export const SEAL_CONTACT = RedisScript.fromFile<[state: string, outbox: string], [], [sealed: string, outbox: string]>(
  'sealContact',
  'seal-contact-2.lua',
  (reply) => {
    const list = stringListReply(reply);
    if (list.length !== 2) throw unexpected('{string, string}', reply);
    return [list[0]!, list[1]!];
  },
);

/** How many ids are still pending at the root. */
export const SETTLE_PENDING = RedisScript.fromFile<[pending: string], [root: string, ...absorbed: string[]], number>(
  'settlePending',
  'settle-pending-1.lua',
  integerReply,
);

/** 1 committed, 0 the account header changed since it was read (see commit-account-3.lua). */
export const COMMIT_ACCOUNT = RedisScript.fromFile<
  [header: string, members: string, outbox: string],
  [expected: string, header: string, outbox: string, ...memberFields: string[]],
  number
>('commitAccount', 'commit-account-3.lua', integerReply);

/** Every script, for tests and tools that must see them all. */
export const ALL_SCRIPTS = [
  COMMIT_STATE,
  CLEAR_OUTBOX,
  CLAIM_DUE_CONTACTS,
  SWITCH_GRID,
  MARK_GRID_QUEUED,
  PUBLISH_GRID,
  APPLY_CROSSING,
  PROJECT_SCORE_CHANGE,
  PROJECT_LEADERBOARD,
  PROJECT_ACCOUNT_SCORES,
  LINK_IDENTITY,
  IDENTITY_ROOTS,
  SEAL_CONTACT,
  SETTLE_PENDING,
  COMMIT_ACCOUNT,
] as const;

function projectionReply(reply: unknown): [number, string | null, string | null] {
  if (Array.isArray(reply) && (reply[0] === 0 || reply[0] === 1)) {
    const [projected, score = null, sequence = null] = reply as [0 | 1, unknown?, unknown?];
    if ((typeof score === 'string' && typeof sequence === 'string') || (score === null && sequence === null)) {
      return [projected, score, sequence];
    }
  }
  throw unexpected('{0 | 1, string, string} or {0, nil, nil}', reply);
}

function linkReply(reply: unknown): [string, string, number] {
  if (Array.isArray(reply) && reply.length === 3) {
    const [source, target, linked] = reply as unknown[];
    if (typeof source === 'string' && typeof target === 'string' && (linked === 0 || linked === 1))
      return [source, target, linked];
  }
  throw unexpected('{string, string, 0 | 1}', reply);
}

function gridSwitchReply(reply: unknown): [GridSwitchStatus, string, number] {
  if (Array.isArray(reply) && reply.length === 3) {
    const [status, previous, generation] = reply as unknown[];
    if (
      (status === 'same' || status === 'pending' || status === 'switched' || status === 'other') &&
      typeof previous === 'string' &&
      typeof generation === 'number'
    ) {
      return [status, previous, generation];
    }
  }
  throw unexpected("{'same' | 'pending' | 'switched' | 'other', string, integer}", reply);
}
