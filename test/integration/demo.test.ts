import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { testContext } from '../support/test-context.js';

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
const DEMO_BIN = join(REPO_ROOT, 'services/demo/bin/demo.js');

/** Runs the demo command as a user would, without a terminal; resolves with its exit and output. */
function runDemo(
  args: string[],
  env: Record<string, string>,
  onStderr: (stderrSoFar: string) => void = () => {},
): Promise<{ code: number | null; signal: string | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [DEMO_BIN, ...args], {
      cwd: REPO_ROOT,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => onStderr((stderr += chunk)));
    const timer = setTimeout(() => child.kill('SIGKILL'), 100_000);
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

describe('npm run demo (real Kafka, registry, Redis; the scorer as a child process)', () => {
  it('streams for --duration, shows score changes and MQL crossings, stops cleanly with a summary', async () => {
    const ctx = testContext();
    const prefix = ctx.uniqueName('demo');
    const scorerLog = join(mkdtempSync(join(tmpdir(), 'leadscore-demo-')), 'scorer.log');
    // while the demo runs: the console's "Test before publishing" has the demo's history
    let backtest: Promise<{ status: number; body: { draft?: { contacts?: number }; history?: { events?: number } } }> | undefined;
    // and its live feed shows the demo's stream: the first score change pushed over /api/feed
    let feed: Promise<string | null> | undefined;
    const run = await runDemo(
      ['--duration', '8', '--contacts', '100', '--rate', '300', '--prefix', prefix, '--scorer-log', scorerLog],
      {
        KAFKA_BROKERS: ctx.kafkaBrokers.join(','),
        SCHEMA_REGISTRY_URL: ctx.schemaRegistryUrl,
        REDIS_URL: ctx.redisUrl,
        LOG_LEVEL: 'warn',
      },
      (stderr) => {
        const signIn = /\[demo\] console: (http:\/\/127\.0\.0\.1:\d+\/) \(sign in with the key ([0-9a-f]{24})\)/.exec(stderr);
        if (!signIn || backtest) return;
        const [, url, key] = signIn;
        feed = firstFeedEvent(`${url}api/feed`, key!, 'score');
        backtest = (async () => {
          const headers = { 'x-api-key': key!, 'content-type': 'application/json' };
          const live = (await (await fetch(`${url}api/live`, { headers })).json()) as { yaml: string };
          const response = await fetch(`${url}api/backtest`, {
            method: 'POST',
            headers,
            body: JSON.stringify({ yaml: live.yaml }),
          });
          return { status: response.status, body: (await response.json()) as never };
        })();
      },
    );
    const report = `exit ${run.code ?? run.signal}\n--- stdout\n${run.stdout}\n--- stderr\n${run.stderr}`;
    expect(run.code, report).toBe(0);

    // Not a TTY: compact status lines (no escape codes, no log flood), then the summary.
    expect(run.stdout).not.toContain('\x1b');
    expect(run.stdout.split('\n').filter((l) => l.startsWith('demo ')).length).toBeLessThanOrEqual(20);
    expect(run.stdout).toContain('stopped after 0:08 (--duration 8 s)');
    const changes = Number(/score changes +([\d,]+) across/.exec(run.stdout)?.[1]?.replace(/,/g, ''));
    const mqls = Number(/MQL crossings +([\d,]+) up/.exec(run.stdout)?.[1]?.replace(/,/g, ''));
    expect(changes, report).toBeGreaterThan(0);
    expect(mqls, report).toBeGreaterThan(0);
    // anonymous visitors who signed up were merged into their contact, and their visits made MQLs
    const byMerge = Number(/identity merges +([\d,]+) anonymous/.exec(run.stdout)?.[1]?.replace(/,/g, ''));
    expect(byMerge, report).toBeGreaterThan(0);
    expect(run.stdout).toContain(`${prefix}.*`);
    // the console came up beside the scorer (its /readyz answered) and its address was printed
    expect(run.stderr, report).toMatch(/\[demo\] console: http:\/\/127\.0\.0\.1:\d+\/ \(sign in with the key [0-9a-f]{24}\)/);
    expect(run.stdout).toMatch(/console +http:\/\/127\.0\.0\.1:\d+\//);
    expect(run.stderr).not.toMatch(/"level":/); // the scorer's logs went to its file
    expect(backtest, report).toBeDefined();
    const answer = await backtest!;
    expect(answer.status, JSON.stringify(answer.body)).toBe(200);
    expect(answer.body.draft?.contacts).toBeGreaterThan(0);
    expect(answer.body.history?.events).toBe(100 * 40); // the whole stream of --contacts 100 (40 events each)
    const scoreEvent = await feed!;
    expect(scoreEvent, report).toMatch(/"contactId":"[^"]+"/);
  });
});

/**
 * Reads the console's Server-Sent Events until the first `event: <kind>` and returns its data
 * line, or null when the stream ends first (the demo stopping closes it) or after 60 s.
 */
async function firstFeedEvent(url: string, key: string, kind: string): Promise<string | null> {
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), 60_000);
  try {
    const response = await fetch(url, { headers: { 'x-api-key': key }, signal: abort.signal });
    if (!response.ok || !response.body) return null;
    let buffer = '';
    for await (const chunk of response.body.pipeThrough(new TextDecoderStream())) {
      buffer += chunk;
      const match = new RegExp(`event: ${kind}\ndata: (.*)\n`).exec(buffer);
      if (match) return match[1]!;
    }
    return null;
  } catch {
    return null;
  } finally {
    clearTimeout(timer);
    abort.abort();
  }
}
