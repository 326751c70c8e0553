// Readiness probe for deploy/local/stack.sh: exits 0 when the server answers a real request.
//   node probe.mjs kafka HOST:PORT   -> broker metadata (describeCluster) answers
import { Kafka, logLevel } from 'kafkajs';

const [kind, address] = process.argv.slice(2);

async function probeKafka(broker) {
  const kafka = new Kafka({
    clientId: 'leadscore-stack-probe',
    brokers: [broker],
    logLevel: logLevel.NOTHING,
    connectionTimeout: 2000,
    requestTimeout: 3000,
    retry: { retries: 0 },
  });
  const admin = kafka.admin();
  try {
    await admin.connect();
    const cluster = await admin.describeCluster();
    if (cluster.brokers.length === 0) throw new Error('no brokers in metadata');
  } finally {
    await admin.disconnect().catch(() => {});
  }
}

if (kind !== 'kafka' || !address) {
  console.error('usage: node probe.mjs kafka HOST:PORT');
  process.exit(2);
}
probeKafka(address).then(
  () => process.exit(0),
  (error) => {
    console.error(String(error?.message ?? error));
    process.exit(1);
  },
);
