// The commit protocol's outputs are shared with the account service: they live in service-kit.
export { addOutput, type OutputBatch, type OutputMessage } from '@leadscore/service-kit';
