import { LeadscoreError, type ErrorCode } from '@leadscore/errors';

/** The codes the contracts library throws (from the catalogue). */
export type ContractErrorCode = (typeof ErrorCode)[
  | 'RegistryUnreachable'
  | 'RegistryRejected'
  | 'RegistryAuthFailed'
  | 'RegistryConflict'
  | 'SchemaIncompatible'
  | 'UnknownSchema'
  | 'Undecodable'
  | 'EncodeFailed'];

export class ContractError extends LeadscoreError<ContractErrorCode> {}
