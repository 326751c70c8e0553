/**
 * Child process of the client comparison (bench/kafka-clients.ts): runs one pass of one client,
 * so that its CPU time and peak RSS are that client's alone, and prints its PassResult as the
 * last line of stdout. `node --import tsx bench/kafka-clients/pass.ts '<PassSpec as JSON>'`.
 */
import { runConfluentPass } from './confluent-pass.js';
import { runKafkajsPass } from './kafkajs-pass.js';
import { PassMeter, type ClientName, type PassSpec } from './pass-meter.js';
import { runPlatformaticPass } from './platformatic-pass.js';

const PASSES: Record<ClientName, (spec: PassSpec, meter: PassMeter) => Promise<void>> = {
  kafkajs: runKafkajsPass,
  confluent: runConfluentPass,
  platformatic: runPlatformaticPass,
};

const spec = JSON.parse(process.argv[2] ?? '{}') as PassSpec;
const meter = new PassMeter(spec);
await PASSES[spec.client](spec, meter);
console.log(JSON.stringify(meter.result()));
// Some clients keep timers or native threads alive after close; the pass is over.
process.exit(0);
