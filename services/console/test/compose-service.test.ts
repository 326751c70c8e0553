import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { loadConsoleConfig } from '../src/config.js';

const repo = fileURLToPath(new URL('../../../', import.meta.url));

interface ComposeService {
  command: string[];
  environment: Record<string, string>;
  ports: string[];
}

describe("docker-compose.yml's console", () => {
  it('runs the console bin with an environment the console accepts, on the port it publishes', () => {
    const compose = parse(readFileSync(join(repo, 'docker-compose.yml'), 'utf8')) as { services: Record<string, ComposeService> };
    const service = compose.services['console'];
    expect(service).toBeDefined();
    expect(service!.command).toEqual(['node', 'services/console/bin/console.js']);
    expect(existsSync(join(repo, service!.command[1]!))).toBe(true);
    // GRID_FILE is a path inside the image (/app is the repository root there)
    expect(service!.environment['GRID_FILE']!.replace(/^\/app\//, '')).toSatisfy((path: string) => existsSync(join(repo, path)));
    const config = loadConsoleConfig(service!.environment);
    expect(config.editorKeys.length).toBeGreaterThan(0);
    expect(config.historySource).toBe('topics');
    expect(config.feed?.kafkaBrokers).toEqual(['kafka:29092']);
    expect(service!.ports).toEqual([`${config.httpPort}:${config.httpPort}`]);
  });
});
