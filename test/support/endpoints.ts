/** What the integration global setup hands to every test file (through vitest's provide/inject). */
export interface TestEndpoints {
  kafkaBrokers: string[];
  schemaRegistryUrl: string;
  redisUrl: string;
  /** where the servers came from: given by env, testcontainers, or the native stack */
  mode: 'env' | 'testcontainers' | 'native';
  /** unique per test run: prefixes every topic, group and Redis key the run creates */
  runId: string;
}

declare module 'vitest' {
  export interface ProvidedContext {
    endpoints: TestEndpoints;
  }
}
