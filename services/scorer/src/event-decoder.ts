import { ContractError, type AvroCodec, type TopicNames } from '@leadscore/contracts';
import { CONTACT_UPDATED, MAX_FUTURE_MS, parseEvent, type LeadEvent } from '@leadscore/engine';
import type { InputMessage } from './input-message.js';

/** Why an input message cannot be scored; stable codes carried in the dead letter. */
export type DeadLetterReason =
  'OVERSIZED' | 'UNDECODABLE' | 'UNKNOWN_SCHEMA' | 'INVALID_EVENT' | 'FUTURE_TIMESTAMP' | 'UNKNOWN_TOPIC';

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
        reason: 'OVERSIZED',
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
        return { ok: false, reason: 'UNKNOWN_TOPIC', message: `the scorer does not read topic ${message.topic}` };
      }
    } catch (error) {
      if (error instanceof ContractError && (error.code === 'UNDECODABLE' || error.code === 'UNKNOWN_SCHEMA')) {
        return { ok: false, reason: error.code, message: error.message };
      }
      throw error;
    }
    const parsed = parseEvent(raw, now);
    if (parsed.ok) return parsed;
    const detail = parsed.errors.map((e) => `${e.path || '(event)'}: ${e.message}`).join('; ');
    const occurredAt = raw['occurredAt'];
    const future = typeof occurredAt === 'number' && occurredAt > now + MAX_FUTURE_MS;
    return { ok: false, reason: future ? 'FUTURE_TIMESTAMP' : 'INVALID_EVENT', message: detail };
  }
}
