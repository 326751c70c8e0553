import { execFile, execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { TestProject } from 'vitest/node';
import type { TestEndpoints } from './endpoints.js';

const run = promisify(execFile);
const repoRoot = fileURLToPath(new URL('../../', import.meta.url));

type Teardown = () => Promise<void>;

/**
 * Finds real servers for the integration tests, in this order:
 *  1. KAFKA_BROKERS, SCHEMA_REGISTRY_URL and REDIS_URL from the environment;
 *  2. testcontainers, when a Docker engine answers;
 *  3. the native stack (deploy/local/stack.sh start), which is idempotent and left running
 *     afterwards so the next run starts fast (stop it with `npm run stack:stop`);
 *     with LEADSCORE_TOPOLOGY=cluster, the clustered one (deploy/local/cluster.sh start:
 *     three brokers, replication factor 3, and a three-node Redis Cluster).
 */
export default async function setup(project: TestProject): Promise<Teardown | void> {
  const runId = `t${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;
  const fromEnv = endpointsFromEnv();
  if (fromEnv) {
    project.provide('endpoints', { ...fromEnv, mode: 'env', runId });
    return;
  }
  if (dockerAnswers()) {
    const { endpoints, stop } = await startWithTestcontainers();
    project.provide('endpoints', { ...endpoints, mode: 'testcontainers', runId });
    return stop;
  }
  const clustered = process.env.LEADSCORE_TOPOLOGY === 'cluster';
  const script = clustered ? 'cluster.sh' : 'stack.sh';
  const { stdout } = await run('bash', [`${repoRoot}deploy/local/${script}`, 'start'], {
    cwd: repoRoot,
    env: process.env,
    maxBuffer: 10 * 1024 * 1024,
  }).catch((error: { stderr?: string; message: string }) => {
    throw new Error(`the native ${clustered ? 'clustered topology' : 'stack'} did not start: ${error.stderr ?? error.message}`);
  });
  const exported = parseExports(stdout);
  project.provide('endpoints', {
    kafkaBrokers: splitBrokers(required(exported, 'KAFKA_BROKERS')),
    schemaRegistryUrl: required(exported, 'SCHEMA_REGISTRY_URL'),
    redisUrl: required(exported, 'REDIS_URL'),
    redisCluster: exported['REDIS_CLUSTER'] === 'true',
    mode: clustered ? 'native-cluster' : 'native',
    runId,
  });
}

function endpointsFromEnv(): Omit<TestEndpoints, 'mode' | 'runId'> | undefined {
  const { KAFKA_BROKERS, SCHEMA_REGISTRY_URL, REDIS_URL, REDIS_CLUSTER } = process.env;
  if (!KAFKA_BROKERS || !SCHEMA_REGISTRY_URL || !REDIS_URL) return undefined;
  return {
    kafkaBrokers: splitBrokers(KAFKA_BROKERS),
    schemaRegistryUrl: SCHEMA_REGISTRY_URL,
    redisUrl: REDIS_URL,
    redisCluster: REDIS_CLUSTER === 'true',
  };
}

function dockerAnswers(): boolean {
  if (process.env.LEADSCORE_NO_DOCKER === '1') return false;
  try {
    execFileSync('docker', ['info', '--format', '{{.ServerVersion}}'], { stdio: 'ignore', timeout: 5000 });
    return true;
  } catch {
    return false;
  }
}

async function startWithTestcontainers() {
  // Loaded only here: users without Docker never touch testcontainers.
  const { GenericContainer, Network, Wait } = await import('testcontainers');
  const network = await new Network().start();
  const kafka = await new GenericContainer('apache/kafka:4.4.0')
    .withNetwork(network)
    .withNetworkAliases('kafka')
    .withExposedPorts({ container: 9092, host: 19092 })
    .withEnvironment({
      KAFKA_NODE_ID: '1',
      KAFKA_PROCESS_ROLES: 'broker,controller',
      KAFKA_LISTENERS: 'PLAINTEXT://:9092,INTERNAL://:29092,CONTROLLER://:9093',
      KAFKA_ADVERTISED_LISTENERS: 'PLAINTEXT://localhost:19092,INTERNAL://kafka:29092',
      KAFKA_LISTENER_SECURITY_PROTOCOL_MAP: 'PLAINTEXT:PLAINTEXT,INTERNAL:PLAINTEXT,CONTROLLER:PLAINTEXT',
      KAFKA_INTER_BROKER_LISTENER_NAME: 'INTERNAL',
      KAFKA_CONTROLLER_LISTENER_NAMES: 'CONTROLLER',
      KAFKA_CONTROLLER_QUORUM_VOTERS: '1@kafka:9093',
      KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR: '1',
      KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR: '1',
      KAFKA_TRANSACTION_STATE_LOG_MIN_ISR: '1',
      KAFKA_GROUP_INITIAL_REBALANCE_DELAY_MS: '0',
      KAFKA_AUTO_CREATE_TOPICS_ENABLE: 'false',
    })
    .withWaitStrategy(Wait.forLogMessage(/Kafka Server started/))
    .start();
  const registry = await new GenericContainer('confluentinc/cp-schema-registry:7.7.1')
    .withNetwork(network)
    .withExposedPorts(8081)
    .withEnvironment({
      SCHEMA_REGISTRY_HOST_NAME: 'schema-registry',
      SCHEMA_REGISTRY_KAFKASTORE_BOOTSTRAP_SERVERS: 'PLAINTEXT://kafka:29092',
      SCHEMA_REGISTRY_LISTENERS: 'http://0.0.0.0:8081',
    })
    .withWaitStrategy(Wait.forHttp('/subjects', 8081))
    .start();
  const redis = await new GenericContainer('redis:7.4-alpine')
    .withExposedPorts(6379)
    .withCommand(['redis-server', '--maxmemory-policy', 'noeviction', '--save', ''])
    .withWaitStrategy(Wait.forLogMessage(/Ready to accept connections/))
    .start();
  return {
    endpoints: {
      kafkaBrokers: ['localhost:19092'],
      schemaRegistryUrl: `http://${registry.getHost()}:${registry.getMappedPort(8081)}`,
      redisUrl: `redis://${redis.getHost()}:${redis.getMappedPort(6379)}`,
      redisCluster: false,
    },
    stop: async () => {
      await Promise.allSettled([redis.stop(), registry.stop(), kafka.stop()]);
      await network.stop();
    },
  };
}

function parseExports(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const match = /^export ([A-Z_]+)=(.*)$/.exec(line.trim());
    if (match?.[1] && match[2] !== undefined) out[match[1]] = match[2];
  }
  return out;
}

function required(values: Record<string, string>, name: string): string {
  const value = values[name];
  if (!value) throw new Error(`deploy/local/stack.sh start did not print ${name}`);
  return value;
}

function splitBrokers(value: string): string[] {
  return value
    .split(',')
    .map((b) => b.trim())
    .filter(Boolean);
}
