/** Error catalogue of the contracts library. Codes are stable; messages are for people. */
export type ContractErrorCode =
  | 'REGISTRY_UNREACHABLE'
  | 'REGISTRY_REJECTED'
  | 'REGISTRY_AUTH_FAILED'
  | 'REGISTRY_CONFLICT'
  | 'SCHEMA_INCOMPATIBLE'
  | 'UNKNOWN_SCHEMA'
  | 'UNDECODABLE'
  | 'ENCODE_FAILED';

export class ContractError extends Error {
  override readonly name = 'ContractError';
  constructor(
    readonly code: ContractErrorCode,
    message: string,
    readonly retriable: boolean,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
