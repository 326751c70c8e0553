import { ErrorCode } from '@leadscore/errors';
import { ServiceError } from '@leadscore/service-kit';

/**
 * The score id of a grid without `scores` (the engine's DEFAULT_SCORE_ID): its leaderboard and
 * its projection field keep the names they had before several scores.
 */
const DEFAULT_SCORE = 'score';

/**
 * Every Redis key of every leadscore service, under one key prefix (`REDIS_KEY_PREFIX`). A
 * contact's keys all carry the hash tag `{<contactId>}`, so they share one hash slot and the
 * scripts that touch several of them run on Redis Cluster; the indexes and the grid record are
 * one key each for the whole prefix.
 *
 * | key                                    | type       | written by          | what                                            |
 * | -------------------------------------- | ---------- | ------------------- | ----------------------------------------------- |
 * | `<prefix>:c:{<contactId>}`             | string     | scorer, rebuild     | the contact's state (the engine's encoding), or |
 * |                                        |            |                     | `M|<last state>` once merged away (sealed)      |
 * | `<prefix>:o:{<contactId>}`             | string     | scorer              | outputs committed but maybe not produced yet    |
 * | `<prefix>:decay`                       | sorted set | scorer, rebuild     | contactId by when its windows next expire       |
 * | `<prefix>:regrade`                     | sorted set | scorer              | contacts owed a grid-change re-evaluation       |
 * | `<prefix>:grid`                        | hash       | scorer              | the running grid (fingerprint, definition, ...) |
 * | `<prefix>:grid:queueing`               | string     | scorer              | lock of the scorer queueing a grid switch       |
 * | `<prefix>:grid:scorers`                | hash       | scorer              | scorer → generation it runs, until when (JSON)  |
 * | `<prefix>:stage:{<contactId>}`         | hash       | lifecycle           | the contact's lifecycle stage                   |
 * | `<prefix>:stage-history:{<contactId>}` | list       | lifecycle           | every crossing handled, newest first            |
 * | `<prefix>:recent:{<contactId>}`        | list       | read API projection | recent score changes, newest first              |
 * | `<prefix>:proj:{<contactId>}`          | hash       | read API projection | last projected sequence, each score's value     |
 * | `<prefix>:leaderboard`                 | sorted set | read API projection | contactId by latest emitted score               |
 * | `<prefix>:leaderboard:score:<scoreId>` | sorted set | read API projection | the same, for each score of a grid with `scores` |
 * | `<prefix>:{identity}:parent`           | hash       | scorer              | merged-away id → the root it was merged into    |
 * | `<prefix>:{identity}:pending`          | hash       | scorer              | root → JSON members merged in, not absorbed yet |
 * | `<prefix>:{console}:grid`              | string     | console             | the grid the console last published (JSON)      |
 * | `<prefix>:{console}:audit`             | list       | console             | every publish (who, when, versions), newest first |
 *
 * Account keys (the account service, docs/accounts.md): a contact's membership record carries the
 * contact's hash tag; an account's keys carry the hash tag `{a:<accountId>}`, one slot per account.
 *
 * | key                                       | type   | written by | what                                                   |
 * | ----------------------------------------- | ------ | ---------- | ------------------------------------------------------ |
 * | `<prefix>:member:{<contactId>}`           | string | accounts   | the contact's account, score and member sequence (JSON) |
 * | `<prefix>:member-o:{<contactId>}`         | string | accounts   | member changes committed but maybe not produced yet     |
 * | `<prefix>:account:{a:<accountId>}`        | string | accounts   | the account's header: scores, properties, recent ids    |
 * | `<prefix>:account-members:{a:<accountId>}` | hash  | accounts   | contactId → `<member sequence>:<score>` (`-`: left)     |
 * | `<prefix>:account-o:{a:<accountId>}`      | string | accounts   | account outputs committed but maybe not produced yet    |
 * | `<prefix>:account-stage:{a:<accountId>}`  | hash   | lifecycle  | the account's lifecycle stage (same fields as a contact's) |
 * | `<prefix>:account-stage-history:{a:<accountId>}` | list | lifecycle | every account crossing handled, newest first     |
 *
 * Each leaderboard has a second key, the sequence each contact was listed at. It carries the
 * board's whole name as its hash tag, so both share one hash slot (a key without braces
 * hashes whole) and project-leaderboard-2.lua checks and writes both atomically on a cluster too.
 * The leaderboard of `score` keeps the name it always had: a board written before the sequences
 * existed is the one read and moved on (a contact without a recorded sequence counts as older
 * than any change).
 *
 * | key                                                     | type | written by          | what                                                |
 * | ------------------------------------------------------- | ---- | ------------------- | --------------------------------------------------- |
 * | `<prefix>:leaderboard:sequences:{<board key>}`          | hash | read API projection | contactId → sequence listed, `merged` once unlisted |
 *
 * The account leaderboard (the read API's projection of account-score-changed) is two keys for
 * all accounts, under the one hash tag `{account-leaderboard}`, so project-account-scores-2.lua
 * writes both atomically on a cluster too (one node holds them, as one holds `<prefix>:leaderboard`):
 *
 * | key                                         | type       | written by          | what                                 |
 * | ------------------------------------------- | ---------- | ------------------- | ------------------------------------ |
 * | `<prefix>:{account-leaderboard}:scores`     | sorted set | read API projection | accountId by latest emitted score    |
 * | `<prefix>:{account-leaderboard}:sequences`  | hash       | read API projection | accountId → last projected sequence  |
 */
export class KeyLayout {
  /** @throws ServiceError REDIS_KEY_PREFIX_INVALID when the prefix holds braces or spaces (they would break the hash tags) */
  constructor(readonly prefix: string) {
    if (prefix === '' || /[{}\s]/.test(prefix)) {
      throw new ServiceError(
        ErrorCode.RedisKeyPrefixInvalid,
        `a Redis key prefix must be non-empty, without braces or spaces; got ${JSON.stringify(prefix)}`,
      );
    }
  }

  contactState(contactId: string): string {
    return this.ofContact('c', contactId);
  }

  outbox(contactId: string): string {
    return this.ofContact('o', contactId);
  }

  decayIndex(): string {
    return `${this.prefix}:decay`;
  }

  regradeIndex(): string {
    return `${this.prefix}:regrade`;
  }

  gridRecord(): string {
    return `${this.prefix}:grid`;
  }

  gridQueueingLock(): string {
    return `${this.prefix}:grid:queueing`;
  }

  /** Which grid generation each running scorer runs (a heartbeat per scorer, see GridRolloutReader). */
  gridScorers(): string {
    return `${this.prefix}:grid:scorers`;
  }

  stage(contactId: string): string {
    return this.ofContact('stage', contactId);
  }

  stageHistory(contactId: string): string {
    return this.ofContact('stage-history', contactId);
  }

  recentChanges(contactId: string): string {
    return this.ofContact('recent', contactId);
  }

  projection(contactId: string): string {
    return this.ofContact('proj', contactId);
  }

  /** The field of a contact's projection hash holding one score's latest projected value. */
  projectionScoreField(scoreId: string): string {
    return scoreId === DEFAULT_SCORE ? 'score' : `score:${scoreId}`;
  }

  /**
   * The leaderboard of one score: `score`, the one score of a grid without `scores`, keeps the
   * name it always had; every other score id has its own board.
   */
  leaderboard(scoreId: string = DEFAULT_SCORE): string {
    return scoreId === DEFAULT_SCORE ? `${this.prefix}:leaderboard` : `${this.prefix}:leaderboard:score:${scoreId}`;
  }

  /**
   * The sequence each contact was last listed at on a score's board (or `merged`: unlisted for
   * good), the guard that lets the board move only forward. Its hash tag is the board's own key,
   * so both are in one hash slot (the prefix holds no braces, so the tag is exactly that key).
   */
  leaderboardSequences(scoreId: string = DEFAULT_SCORE): string {
    return `${this.prefix}:leaderboard:sequences:{${this.leaderboard(scoreId)}}`;
  }

  /**
   * The identity forest (docs/identity.md "The streaming merge"): each merged-away id → the root
   * it was merged into (follow the entries to an id without one: that is the root). One hash
   * tag for both identity keys, so one script links two trees atomically, on a cluster too.
   */
  identityParents(): string {
    return `${this.prefix}:{identity}:parent`;
  }

  /** Root → the members merged into its tree whose states it has not absorbed yet (JSON `[{id, cause, at}]`). */
  identityPending(): string {
    return `${this.prefix}:{identity}:pending`;
  }

  /** The console's two keys share the hash tag `{console}`: one MULTI writes both on a cluster too. */
  consoleGrid(): string {
    return `${this.prefix}:{console}:grid`;
  }

  consoleAudit(): string {
    return `${this.prefix}:{console}:audit`;
  }

  // ── Account keys (the account service) ─────────────────────────────────────────────────────

  /** A contact's membership record (the members stage of the account service). */
  memberRecord(contactId: string): string {
    return this.ofContact('member', contactId);
  }

  /** The member changes a members-stage commit owes the account-members topic. */
  memberOutbox(contactId: string): string {
    return this.ofContact('member-o', contactId);
  }

  /** An account's header: everything but its members, bounded by the grid (the compare-and-set value). */
  accountHeader(accountId: string): string {
    return this.ofAccount('account', accountId);
  }

  /** An account's members, one field per contact: a change writes one field, whatever the account's size. */
  accountMembers(accountId: string): string {
    return this.ofAccount('account-members', accountId);
  }

  /** The account outputs a commit owes (account-score-changed, account-threshold-crossed). */
  accountOutbox(accountId: string): string {
    return this.ofAccount('account-o', accountId);
  }

  /** Every key of one account (all in the account's hash slot). */
  accountKeys(accountId: string): string[] {
    return [this.accountHeader(accountId), this.accountMembers(accountId), this.accountOutbox(accountId)];
  }

  /** An account's lifecycle stage (the lifecycle service, apply-crossing-2.lua): not one of `accountKeys`, another owner. */
  accountStage(accountId: string): string {
    return this.ofAccount('account-stage', accountId);
  }

  /** An account's crossing history, the redelivery window of apply-crossing-2.lua (same slot as accountStage). */
  accountStageHistory(accountId: string): string {
    return this.ofAccount('account-stage-history', accountId);
  }

  /** Accounts by their latest emitted score (the read API's `GET /accounts`). */
  accountLeaderboard(): string {
    return `${this.prefix}:{account-leaderboard}:scores`;
  }

  /** The last account-score-changed sequence projected per account (the board's redelivery guard; same slot). */
  accountLeaderboardSequences(): string {
    return `${this.prefix}:{account-leaderboard}:sequences`;
  }

  private ofAccount(kind: string, accountId: string): string {
    return `${this.prefix}:${kind}:{a:${accountId}}`;
  }

  // ── end of the account keys ────────────────────────────────────────────────────────────────

  /** Every key of one contact (all in the contact's hash slot). */
  contactKeys(contactId: string): string[] {
    return [
      this.contactState(contactId),
      this.outbox(contactId),
      this.stage(contactId),
      this.stageHistory(contactId),
      this.recentChanges(contactId),
      this.projection(contactId),
    ];
  }

  /** A SCAN MATCH pattern for every contact state key (it may also match other keys: check with `contactIdOfState`). */
  contactStatePattern(): string {
    return `${escapeGlob(this.prefix)}:c:*`;
  }

  /** The contactId of a contact state key, or undefined when `key` is not one. */
  contactIdOfState(key: string): string | undefined {
    const start = `${this.prefix}:c:{`;
    return key.startsWith(start) && key.endsWith('}') ? key.slice(start.length, -1) : undefined;
  }

  private ofContact(kind: string, contactId: string): string {
    return `${this.prefix}:${kind}:{${contactId}}`;
  }
}

/** A key prefix as a literal in a SCAN MATCH pattern. */
function escapeGlob(text: string): string {
  return text.replace(/[*?[\]\\]/g, (c) => `\\${c}`);
}
