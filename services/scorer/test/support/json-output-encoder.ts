import type { AnyCause, GradeChange, ScoreChange, ThresholdCrossing } from '@leadscore/engine';
import type { ScoreOutputEncoder } from '../../src/contact-updater.js';
import type { OutputMessage } from '../../src/output-batch.js';

/** ScoreOutputWriter without a registry: the engine's output as JSON, its id in `x-id` as in production. */
export class JsonOutputEncoder implements ScoreOutputEncoder {
  async scoreChanged(change: ScoreChange): Promise<OutputMessage> {
    const { thresholdCrossings: _crossings, gradeChange: _grade, ...value } = change;
    return { key: change.contactId, value: Buffer.from(JSON.stringify(value)), headers: { 'x-id': change.id } };
  }

  async thresholdsCrossed(change: ScoreChange): Promise<OutputMessage[]> {
    return Promise.all(change.thresholdCrossings.map((crossing) => this.thresholdCrossed(crossing)));
  }

  async thresholdCrossed(crossing: ThresholdCrossing<AnyCause>): Promise<OutputMessage> {
    return { key: crossing.contactId, value: Buffer.from(JSON.stringify(crossing)), headers: { 'x-id': crossing.id } };
  }

  async gradeChanged(change: GradeChange<AnyCause>): Promise<OutputMessage> {
    const { crossing: _crossing, ...value } = change;
    return { key: change.contactId, value: Buffer.from(JSON.stringify(value)), headers: { 'x-id': change.id } };
  }
}

export type EncodedScoreChange = Omit<ScoreChange, 'thresholdCrossings' | 'gradeChange'>;

/** The value JsonOutputEncoder wrote. */
export function decodeOutput<T extends EncodedScoreChange | ThresholdCrossing>(message: OutputMessage): T {
  return JSON.parse(message.value.toString()) as T;
}
