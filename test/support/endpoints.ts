/** What the integration global setup hands to every test file (through vitest's provide/inject). */
export interface TestEndpoints {
  kafkaBrokers: string[];
  schemaRegistryUrl: string;
  redisUrl: string;
  /** REDIS_URL is a seed node of a Redis Cluster */
  redisCluster: boolean;
  /** where the servers came from: given by env, testcontainers, the native stack, or the native clustered topology */
  mode: 'env' | 'testcontainers' | 'native' | 'native-cluster';
  /** unique per test run: prefixes every topic, group and Redis key the run creates */
  runId: string;
}

declare module 'vitest' {
  export interface ProvidedContext {
    endpoints: TestEndpoints;
  }
}
