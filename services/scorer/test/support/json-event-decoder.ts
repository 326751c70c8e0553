import { parseEvent } from '@leadscore/engine';
import type { InputMessage } from '@leadscore/contracts';
import { ErrorCode } from '@leadscore/errors';
import type { DeadLetterFactory, MessageDecoder } from '../../src/batch-scorer.js';
import type { DecodeResult, DeadLetterReason } from '../../src/event-decoder.js';
import type { OutputMessage } from '../../src/output-batch.js';

/** EventDecoder without a registry: a message's value is the event as JSON; anything else is a dead letter. */
export class JsonEventDecoder implements MessageDecoder {
  async decode(message: InputMessage, now: number): Promise<DecodeResult> {
    let raw: unknown;
    try {
      raw = JSON.parse(message.value?.toString() ?? '');
    } catch {
      return { ok: false, reason: ErrorCode.Undecodable, message: 'not JSON' };
    }
    const parsed = parseEvent(raw, now);
    if (parsed.ok) return parsed;
    return { ok: false, reason: ErrorCode.InvalidEvent, message: parsed.errors.map((e) => e.path).join('; ') };
  }
}

/** contracts' DeadLetterBuilder without a registry: the original value, the origin in x-dlq-* headers. */
export class PlainDeadLetterBuilder implements DeadLetterFactory {
  async build(source: InputMessage, reason: DeadLetterReason, message: string): Promise<OutputMessage> {
    return {
      key: source.key,
      value: source.value ?? Buffer.alloc(0),
      headers: {
        'x-dlq-reason': reason,
        'x-dlq-message': message,
        'x-dlq-topic': source.topic,
        'x-dlq-partition': String(source.partition),
        'x-dlq-offset': source.offset,
      },
    };
  }
}
