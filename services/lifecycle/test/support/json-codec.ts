import { ContractError, type AvroCodec, type TopicKind } from '@leadscore/contracts';
import { ErrorCode } from '@leadscore/errors';

/**
 * AvroCodec's encode / decode without a registry: values as JSON, tagged with their topic kind.
 * A value that is not such JSON fails as AvroCodec does (UNDECODABLE); `unavailable` makes
 * decoding fail as a registry outage does (retriable).
 */
export class JsonCodec implements Pick<AvroCodec, 'encode' | 'decode'> {
  unavailable = false;

  async encode(kind: TopicKind, value: unknown): Promise<Buffer> {
    return Buffer.from(JSON.stringify({ kind, value }));
  }

  async decode<T = unknown>(kind: TopicKind, buffer: Buffer | null): Promise<T> {
    if (this.unavailable) throw new ContractError(ErrorCode.RegistryUnreachable, 'registry down');
    let parsed: { kind?: unknown; value?: unknown };
    try {
      parsed = JSON.parse(buffer?.toString() ?? '') as typeof parsed;
    } catch {
      throw new ContractError(ErrorCode.Undecodable, 'not JSON');
    }
    if (parsed.kind !== kind) throw new ContractError(ErrorCode.Undecodable, `not a ${kind} value`);
    return parsed.value as T;
  }
}
