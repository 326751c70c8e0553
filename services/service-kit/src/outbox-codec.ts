import type { OutputMessage } from './output-batch.js';

/** An output owed by a contact: the topic it goes to and the message, already encoded. */
export interface OwedOutput {
  readonly topic: string;
  readonly message: OutputMessage;
}

type Stored = { t: string; k: string | null; v: string; h?: Record<string, string> };

/**
 * The outbox value in Redis: JSON with base64 values. It lives only between a state commit and
 * the produce of its outputs, so its size does not count against the per-contact budget.
 */
export function encodeOutbox(outputs: readonly OwedOutput[]): string {
  if (outputs.length === 0) return '';
  const stored: Stored[] = outputs.map(({ topic, message }) => {
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(message.headers ?? {})) headers[name] = value.toString();
    return {
      t: topic,
      k: message.key === null ? null : message.key.toString(),
      v: message.value.toString('base64'),
      ...(Object.keys(headers).length > 0 ? { h: headers } : {}),
    };
  });
  return JSON.stringify(stored);
}

export function decodeOutbox(text: string): OwedOutput[] {
  if (text === '') return [];
  return (JSON.parse(text) as Stored[]).map((s) => ({
    topic: s.t,
    message: { key: s.k, value: Buffer.from(s.v, 'base64'), ...(s.h ? { headers: s.h } : {}) },
  }));
}
