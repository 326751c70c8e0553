import type { AvroCodec, TopicKind } from '@leadscore/contracts';
import type { Crossing } from '@leadscore/engine';
import type { OutputMessage } from './output-batch.js';

/** What a contact's and an account's threshold crossing have in common (the engine's fields). */
interface CrossingOutput extends Crossing {
  readonly id: string;
  readonly sequence: number;
  readonly score: number;
  readonly previousScore: number;
  readonly gridName: string;
  readonly gridVersion: number;
  readonly evaluatedAt: number;
}

/**
 * The fields of a threshold-crossed message, contact or account, apart from its key field and
 * cause (whose encodings differ): the direction in the schemas' enum.
 */
export function crossingValueFields(crossing: CrossingOutput) {
  return {
    id: crossing.id,
    threshold: crossing.threshold,
    at: crossing.at,
    direction: crossing.direction === 'up' ? ('UP' as const) : ('DOWN' as const),
    score: crossing.score,
    previousScore: crossing.previousScore,
    gridName: crossing.gridName,
    gridVersion: crossing.gridVersion,
    sequence: crossing.sequence,
    evaluatedAt: crossing.evaluatedAt,
  };
}

/** An output encoded for its topic with its deterministic id in the `x-id` header, as every output carries it. */
export async function identifiedOutput(
  codec: Pick<AvroCodec, 'encode'>,
  kind: TopicKind,
  key: string,
  value: { readonly id: string },
): Promise<OutputMessage> {
  return { key, value: await codec.encode(kind, value), headers: { 'x-id': value.id } };
}
