// The commit protocol's outputs are shared with the account service: they live in service-kit.
export { KafkaOutputProducer, type OutputProducer } from '@leadscore/service-kit';
