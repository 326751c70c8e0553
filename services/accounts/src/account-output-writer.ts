import type {
  AccountCauseValue,
  AccountMemberChangeValue,
  AccountScoreChangedValue,
  AccountThresholdCrossedValue,
  AvroCodec,
} from '@leadscore/contracts';
import type { AccountCause, AccountScoreChange } from '@leadscore/engine';
import { crossingValueFields, identifiedOutput, type OutputMessage } from '@leadscore/service-kit';

function causeValue(cause: AccountCause): AccountCauseValue {
  switch (cause.kind) {
    case 'member-score':
      return { kind: 'MEMBER_SCORE', contactId: cause.contactId, scoreChangeId: cause.scoreChangeId, eventId: null };
    case 'membership':
      return { kind: 'MEMBERSHIP', contactId: cause.contactId, scoreChangeId: null, eventId: cause.eventId };
    case 'account-event':
      return { kind: 'ACCOUNT_EVENT', contactId: null, scoreChangeId: null, eventId: cause.eventId };
  }
}

/** Encodes the account service's messages (Avro, key = accountId); each output carries its id in `x-id`. */
export class AccountOutputWriter {
  constructor(private readonly codec: Pick<AvroCodec, 'encode'>) {}

  async memberChange(change: AccountMemberChangeValue): Promise<OutputMessage> {
    return { key: change.accountId, value: await this.codec.encode('accountMembers', change) };
  }

  /** The account-score-changed and the account-threshold-crossed messages of one change. */
  async outputs(change: AccountScoreChange): Promise<{ changed: OutputMessage; crossed: OutputMessage[] }> {
    const value: AccountScoreChangedValue = {
      id: change.id,
      accountId: change.accountId,
      sequence: change.sequence,
      previousScore: change.previousScore,
      score: change.score,
      delta: change.delta,
      aggregate: change.aggregate,
      members: change.members,
      gridName: change.gridName,
      gridVersion: change.gridVersion,
      cause: causeValue(change.cause),
      changedMember: change.changedMember && { ...change.changedMember },
      changedContributions: change.changedContributions.map((c) => ({
        ruleId: c.ruleId,
        label: c.label ?? null,
        points: c.points,
        previousPoints: c.previousPoints,
      })),
      evaluatedAt: change.evaluatedAt,
    };
    const crossed: OutputMessage[] = [];
    for (const crossing of change.thresholdCrossings) {
      const crossingValue: AccountThresholdCrossedValue = {
        ...crossingValueFields(crossing),
        accountId: crossing.accountId,
        cause: causeValue(crossing.cause),
      };
      crossed.push(await identifiedOutput(this.codec, 'accountThresholdCrossed', crossing.accountId, crossingValue));
    }
    return { changed: await identifiedOutput(this.codec, 'accountScoreChanged', change.accountId, value), crossed };
  }
}
