import type {
  AvroCodec,
  ContactMergedValue,
  GradeChangedValue,
  ScoreCauseValue,
  ScoreChangedValue,
  ThresholdCrossedValue,
} from '@leadscore/contracts';
import { DEFAULT_SCORE_ID, type AnyCause, type GradeChange, type ScoreChange, type ThresholdCrossing } from '@leadscore/engine';
import { crossingValueFields, identifiedOutput } from '@leadscore/service-kit';
import type { OutputMessage } from './output-batch.js';

function causeValue(cause: AnyCause): ScoreCauseValue {
  switch (cause.kind) {
    case 'event':
      return { kind: 'EVENT', eventId: cause.eventId };
    case 'decay':
      return { kind: 'DECAY', eventId: null };
    case 'grid-change':
      return { kind: 'GRID_CHANGE', eventId: null };
    case 'merge':
      return { kind: 'MERGE', eventId: cause.eventId };
  }
}

/**
 * Turns the engine's score changes into score-changed and threshold-crossed messages, and merges
 * into contact-merged messages (key = contactId: for a merge, the merged-away id).
 */
export class ScoreOutputWriter {
  constructor(private readonly codec: AvroCodec) {}

  async scoreChanged(change: ScoreChange<AnyCause>): Promise<OutputMessage> {
    const value: ScoreChangedValue = {
      id: change.id,
      contactId: change.contactId,
      sequence: change.sequence,
      previousScore: change.previousScore,
      score: change.score,
      delta: change.delta,
      gridName: change.gridName,
      gridVersion: change.gridVersion,
      cause: causeValue(change.cause),
      changedContributions: change.changedContributions.map((c) => ({
        ruleId: c.ruleId,
        label: c.label ?? null,
        count: c.count,
        points: c.points,
        previousPoints: c.previousPoints,
      })),
      evaluatedAt: change.evaluatedAt,
      scoreId: change.scoreId ?? DEFAULT_SCORE_ID,
    };
    return identifiedOutput(this.codec, 'scoreChanged', change.contactId, value);
  }

  async thresholdsCrossed(change: ScoreChange<AnyCause>): Promise<OutputMessage[]> {
    const out: OutputMessage[] = [];
    for (const crossing of change.thresholdCrossings) out.push(await this.thresholdCrossed(crossing));
    return out;
  }

  /** One threshold-crossed: a score's threshold, or the grade matrix's `qualified` (scoreId `matrix`). */
  async thresholdCrossed(crossing: ThresholdCrossing<AnyCause>): Promise<OutputMessage> {
    const value: ThresholdCrossedValue = {
      ...crossingValueFields(crossing),
      contactId: crossing.contactId,
      cause: causeValue(crossing.cause),
      scoreId: crossing.scoreId ?? DEFAULT_SCORE_ID,
    };
    return identifiedOutput(this.codec, 'thresholdCrossed', crossing.contactId, value);
  }

  /** grade-changed: the contact's matrix cell moved. */
  async gradeChanged(change: GradeChange<AnyCause>): Promise<OutputMessage> {
    const value: GradeChangedValue = {
      id: change.id,
      contactId: change.contactId,
      sequence: change.sequence,
      previousGrade: change.previousGrade,
      grade: change.grade,
      rowScoreId: change.rowScore.id,
      rowScore: change.rowScore.score,
      columnScoreId: change.columnScore.id,
      columnScore: change.columnScore.score,
      qualified: change.qualified,
      gridName: change.gridName,
      gridVersion: change.gridVersion,
      cause: causeValue(change.cause),
      evaluatedAt: change.evaluatedAt,
    };
    return identifiedOutput(this.codec, 'gradeChanged', change.contactId, value);
  }

  /**
   * The contact-merged message of a merge (docs/identity.md): `contactId` (merged away) now means
   * `mergedInto` (the surviving root). Its id `<mergeEventId>:<contactId>` is deterministic, so a
   * redelivered merge gives the same id. `occurredAt` is the merge event's time and `now` the time
   * the merge was applied (emittedAt), both in ms.
   */
  async contactMerged(
    record: { contactId: string; mergedInto: string; mergeEventId: string; occurredAt: number },
    now: number,
  ): Promise<OutputMessage> {
    const value: ContactMergedValue = {
      id: `${record.mergeEventId}:${record.contactId}`,
      contactId: record.contactId,
      mergedInto: record.mergedInto,
      mergeEventId: record.mergeEventId,
      occurredAt: record.occurredAt,
      emittedAt: now,
    };
    return identifiedOutput(this.codec, 'contactMerged', record.contactId, value);
  }
}
