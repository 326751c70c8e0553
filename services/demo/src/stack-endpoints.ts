import { spawn } from 'node:child_process';
import { join } from 'node:path';
import type { Endpoints } from './demo-config.js';

/**
 * Starts the local native stack (`deploy/local/stack.sh start`, idempotent: a running stack is
 * reused) and reads the endpoints it prints as `export NAME=value` lines. Its progress goes to
 * our stderr. Throws when the script fails or prints no endpoints.
 */
export async function startLocalStack(repoRoot: string): Promise<Endpoints> {
  const script = join(repoRoot, 'deploy/local/stack.sh');
  const output = await new Promise<string>((resolve, reject) => {
    const child = spawn('bash', [script, 'start'], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'inherit'] });
    let stdout = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.on('error', reject);
    child.on('exit', (code, signal) =>
      code === 0
        ? resolve(stdout)
        : reject(new Error(`${script} start failed (${signal ?? `exit ${code}`}); see its messages above`)),
    );
  });
  const exported = new Map<string, string>();
  for (const match of output.matchAll(/^export ([A-Z_]+)=(.*)$/gm)) exported.set(match[1]!, match[2]!.trim());
  const brokers = exported.get('KAFKA_BROKERS');
  const registry = exported.get('SCHEMA_REGISTRY_URL');
  const redis = exported.get('REDIS_URL');
  if (!brokers || !registry || !redis)
    throw new Error(`${script} start printed no endpoints (expected export KAFKA_BROKERS=… lines)`);
  return { kafkaBrokers: brokers.split(','), schemaRegistryUrl: registry, redisUrl: redis };
}
