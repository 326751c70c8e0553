import type { ScoreChange, ThresholdCrossing } from '@leadscore/engine';
import type { ScoreOutputEncoder } from '../../src/contact-updater.js';
import type { OutputMessage } from '../../src/output-batch.js';

/** ScoreOutputWriter without a registry: the engine's output as JSON, its id in `x-id` as in production. */
export class JsonOutputEncoder implements ScoreOutputEncoder {
  async scoreChanged(change: ScoreChange): Promise<OutputMessage> {
    const { thresholdCrossings: _crossings, ...value } = change;
    return { key: change.contactId, value: Buffer.from(JSON.stringify(value)), headers: { 'x-id': change.id } };
  }

  async thresholdsCrossed(change: ScoreChange): Promise<OutputMessage[]> {
    return change.thresholdCrossings.map((crossing) => ({
      key: crossing.contactId,
      value: Buffer.from(JSON.stringify(crossing)),
      headers: { 'x-id': crossing.id },
    }));
  }
}

export type EncodedScoreChange = Omit<ScoreChange, 'thresholdCrossings'>;

/** The value JsonOutputEncoder wrote. */
export function decodeOutput<T extends EncodedScoreChange | ThresholdCrossing>(message: OutputMessage): T {
  return JSON.parse(message.value.toString()) as T;
}
