import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
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

describe('npm run demo (real Kafka, registry, Redis; the scorer and the account service as child processes)', () => {
  it('streams for --duration, shows score changes, MQL crossings and the companies with their MQA, stops cleanly with a summary', async () => {
    const ctx = testContext();
    const prefix = ctx.uniqueName('demo');
    const logDir = mkdtempSync(join(tmpdir(), 'leadscore-demo-'));
    const scorerLog = join(logDir, 'scorer.log');
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
    // the same stream as engagement, fit and a grade (deploy/grids/b2b.yaml), replayed
    expect(run.stdout, report).toMatch(
      /^ {2}several scores +the same [\d,]+ events replayed under deploy\/grids\/b2b\.yaml \(engagement \+ fit, a grade matrix\):$/m,
    );
    expect(run.stdout, report).toMatch(/^ +grades ([A-C][1-3] [\d,]+( · )?)+; qualified \(A1, A2, B1\): [\d,]+ contacts$/m);
    // the companies (the account service's outputs): acme.example's buying committee made it an
    // MQA, globex.example's one hot lead and initech.example's readers did not
    const companies = /^ {2}companies +(.+)$/m.exec(run.stdout)?.[1];
    expect(companies, report).toBeDefined();
    const standing = new Map(
      companies!.split(' · ').map((entry) => {
        const [domain, score, mqa] = entry.split(' ');
        return [domain!, { score: Number(score!.replace(/,/g, '')), mqa: mqa === 'MQA' }];
      }),
    );
    expect([...standing.keys()].sort(), report).toEqual(['acme.example', 'globex.example', 'initech.example']);
    expect(standing.get('acme.example'), report).toEqual({ score: expect.any(Number), mqa: true });
    expect(standing.get('acme.example')!.score).toBeGreaterThanOrEqual(6000);
    for (const other of ['globex.example', 'initech.example']) {
      expect(standing.get(other)!.mqa, report).toBe(false);
      expect(standing.get(other)!.score, report).toBeLessThan(6000);
    }
    expect(run.stdout, report).toMatch(/^ {2}MQA crossings +1 up, 0 down: acme\.example reached MQA \(6,000\)$/m);
    expect(run.stdout).toMatch(/ · MQA acme\.example$/m); // the status lines name it too
    // the grid the services ran: the starter grid with the demo's accounts section
    expect(run.stderr).toMatch(/\[demo\] grid: .*demo-grid\.yaml/);
    expect(readFileSync(join(logDir, 'demo-grid.yaml'), 'utf8')).toMatch(/^name: demo$[\s\S]*^accounts:$/m);
    expect(existsSync(join(logDir, 'accounts.log'))).toBe(true);
    expect(run.stdout).toMatch(/accounts log +.*accounts\.log/);
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
