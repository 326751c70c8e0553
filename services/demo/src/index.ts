/** @leadscore/demo: the demo command, and the synthetic event stream tests and benchmarks reuse. */
export {
  generateEvents,
  syntheticEvents,
  DEFAULT_EVENTS_PER_CONTACT,
  type GeneratedEvent,
  type SyntheticEventOptions,
} from './synthetic-events.js';
export { SeededRandom } from '@leadscore/seeded-random';
export { PERSONAS, type PersonaName } from './contact-personas.js';
