// Readiness probe for deploy/local: exits 0 when the brokers answer a real request.
//   node probe.mjs kafka HOST:PORT[,HOST:PORT...] [MIN_BROKERS]
//     -> broker metadata (describeCluster) lists at least MIN_BROKERS brokers (default 1)
// A secured listener is probed with the services' own variables: KAFKA_SASL_MECHANISM,
// KAFKA_SASL_USERNAME, KAFKA_SASL_PASSWORD, KAFKA_TLS_CA_FILE, KAFKA_TLS_CERT_FILE and
// KAFKA_TLS_KEY_FILE (see deploy/local/secure.sh).
import { readFileSync } from 'node:fs';
import { Kafka, logLevel } from 'kafkajs';

const [kind, addresses, minBrokers = '1'] = process.argv.slice(2);

function securityFromEnv(env) {
  const security = {};
  if (env.KAFKA_TLS_CA_FILE) {
    security.ssl = { ca: [readFileSync(env.KAFKA_TLS_CA_FILE, 'utf8')] };
    if (env.KAFKA_TLS_CERT_FILE) security.ssl.cert = readFileSync(env.KAFKA_TLS_CERT_FILE, 'utf8');
    if (env.KAFKA_TLS_KEY_FILE) security.ssl.key = readFileSync(env.KAFKA_TLS_KEY_FILE, 'utf8');
  }
  if (env.KAFKA_SASL_MECHANISM) {
    security.sasl = { mechanism: env.KAFKA_SASL_MECHANISM, username: env.KAFKA_SASL_USERNAME, password: env.KAFKA_SASL_PASSWORD };
  }
  return security;
}

async function probeKafka(brokers, min) {
  const kafka = new Kafka({
    clientId: 'leadscore-stack-probe',
    brokers,
    ...securityFromEnv(process.env),
    logLevel: logLevel.NOTHING,
    connectionTimeout: 2000,
    requestTimeout: 3000,
    retry: { retries: 0 },
  });
  const admin = kafka.admin();
  try {
    await admin.connect();
    const cluster = await admin.describeCluster();
    if (cluster.brokers.length < min) throw new Error(`${cluster.brokers.length} of ${min} brokers in metadata`);
  } finally {
    await admin.disconnect().catch(() => {});
  }
}

if (kind !== 'kafka' || !addresses) {
  console.error('usage: node probe.mjs kafka HOST:PORT[,HOST:PORT...] [MIN_BROKERS]');
  process.exit(2);
}
probeKafka(addresses.split(','), Number(minBrokers)).then(
  () => process.exit(0),
  (error) => {
    console.error(String(error?.message ?? error));
    process.exit(1);
  },
);
