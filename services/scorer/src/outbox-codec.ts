// The commit protocol's outputs are shared with the account service: they live in service-kit.
export { decodeOutbox, encodeOutbox, type OwedOutput } from '@leadscore/service-kit';
