import { ContractError, type AvroCodec, type InputMessage, type TopicNames } from '@leadscore/contracts';
import { ErrorCode } from '@leadscore/errors';
import { CONTACT_UPDATED, MAX_FUTURE_MS, parseEvent, type LeadEvent } from '@leadscore/engine';

/** Why an input message cannot be scored; stable codes carried in the dead letter. */
export type DeadLetterReason = (typeof ErrorCode)[
  'Oversized' | 'Undecodable' | 'UnknownSchema' | 'InvalidEvent' | 'FutureTimestamp' | 'UnknownTopic'];

export type DecodeResult =
  | { readonly ok: true; readonly event: LeadEvent }
  | { readonly ok: false; readonly reason: DeadLetterReason; readonly message: string };

/**
 * Turns a consumed message into a validated engine event, or says why it cannot be scored.
 * Infrastructure failures (the registry not answering) are thrown, not dead-lettered: the
 * message is fine and must be retried.
 */
export class EventDecoder {
  constructor(
    private readonly codec: AvroCodec,
    private readonly topics: TopicNames,
    private readonly maxEventBytes: number,
  ) {}

  async decode(message: InputMessage, now: number): Promise<DecodeResult> {
    if (message.value && message.value.length > this.maxEventBytes) {
      return {
        ok: false,
        reason: ErrorCode.Oversized,
        message: `value of ${message.value.length} bytes exceeds the limit of ${this.maxEventBytes}`,
      };
    }
    let raw: Record<string, unknown>;
    try {
      if (message.topic === this.topics.behaviouralEvents) {
        raw = await this.codec.decode<Record<string, unknown>>('behaviouralEvents', message.value);
      } else if (message.topic === this.topics.contactUpdates) {
        raw = { ...(await this.codec.decode<Record<string, unknown>>('contactUpdates', message.value)), type: CONTACT_UPDATED };
      } else {
        return { ok: false, reason: ErrorCode.UnknownTopic, message: `the scorer does not read topic ${message.topic}` };
      }
    } catch (error) {
      if (error instanceof ContractError && (error.code === ErrorCode.Undecodable || error.code === ErrorCode.UnknownSchema)) {
        return { ok: false, reason: error.code, message: error.message };
      }
      throw error;
    }
    const parsed = parseEvent(raw, now);
    if (parsed.ok) return parsed;
    const detail = parsed.errors.map((e) => `${e.path || '(event)'}: ${e.message}`).join('; ');
    const occurredAt = raw['occurredAt'];
    const future = typeof occurredAt === 'number' && occurredAt > now + MAX_FUTURE_MS;
    return { ok: false, reason: future ? ErrorCode.FutureTimestamp : ErrorCode.InvalidEvent, message: detail };
  }
}
