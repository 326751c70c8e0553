import { execFile } from 'node:child_process';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compileGrid, loadGrid, replayEvents } from '@leadscore/engine';
import { SERVICE_BINS, ServiceProcess } from '../support/service-process.js';
import { STARTER_GRID } from '../support/scorer-harness.js';
import { testContext } from '../support/test-context.js';

const run = promisify(execFile);
const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const CLI = join(repoRoot, 'services/cli/bin/leadscore.js');
const API_KEY = 'secure-key-0123456789abcdef';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

function parseExports(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const match of text.matchAll(/^export ([A-Z_]+)=(.*)$/gm)) out[match[1]!] = match[2]!;
  return out;
}

/**
 * The services against a secured Kafka and Redis (deploy/local/secure.sh): SASL/SCRAM over TLS to
 * the broker, an ACL user over TLS to Redis, everything from environment variables. Then the same
 * services with a wrong password or without the CA: each stops at start-up, once, with exit code 3
 * and a message that names what was refused and what to check.
 */
describe('secure connections', () => {
  const ctx = testContext();
  const processes: ServiceProcess[] = [];
  let secure: Record<string, string> = {};
  let logs = '';

  beforeAll(async () => {
    // the secured broker and Redis only: the registry is the run's own (ctx.schemaRegistryUrl)
    const { stdout } = await run('bash', [join(repoRoot, 'deploy/local/secure.sh'), 'start', 'servers'], {
      cwd: repoRoot,
      maxBuffer: 10 * 1024 * 1024,
    });
    secure = parseExports(stdout);
    logs = await mkdtemp(join(tmpdir(), 'leadscore-secure-'));
  });
  afterAll(async () => {
    await Promise.all(processes.map((p) => p.stop().catch(() => undefined)));
  });

  /** The services' environment: the secured endpoints and credentials, this test's own names. */
  const envFor = (label: string, extra: Record<string, string> = {}): Record<string, string> => {
    const name = ctx.uniqueName(label);
    return {
      ...secure,
      SCHEMA_REGISTRY_URL: ctx.schemaRegistryUrl,
      REDIS_CLUSTER: 'false',
      TOPIC_PREFIX: name,
      // the Redis user may only touch keys starting with "ls" (SECURE_REDIS_KEYS)
      REDIS_KEY_PREFIX: `ls-${name}`,
      LOG_LEVEL: 'info',
      PROVISION: 'true',
      INGEST_API_KEYS: API_KEY,
      GRID_FILE: STARTER_GRID,
      ...extra,
    };
  };
  const service = (name: keyof typeof SERVICE_BINS, env: Record<string, string>): ServiceProcess => {
    const process = new ServiceProcess(name, SERVICE_BINS[name], env, join(logs, `${name}-${processes.length}.log`));
    processes.push(process);
    return process;
  };

  it('the doors score and qualify a lead over SCRAM + mutual TLS to Kafka and an ACL user + mutual TLS to Redis', async () => {
    expect(secure['KAFKA_SASL_MECHANISM']).toBe('scram-sha-512');
    expect(secure['REDIS_URL']).toMatch(/^rediss:/);
    const env = envFor('doors');
    const group = (role: string) => ({
      [`${role.toUpperCase().replace('-', '_')}_GROUP_ID`]: `${env['REDIS_KEY_PREFIX']}-${role}`,
    });
    const scorer = service('scorer', { ...env, ...group('scorer') });
    const ingest = service('ingest', env);
    const lifecycle = service('lifecycle', { ...env, ...group('lifecycle') });
    const readApi = service('readApi', { ...env, ...group('read-api'), READ_API_KEYS: API_KEY });
    const all = [scorer, ingest, lifecycle, readApi];
    await Promise.all(all.map((p) => p.start()));
    await Promise.all(all.map((p) => p.waitReady()));

    const contactId = `c-${env['REDIS_KEY_PREFIX']}`;
    const t = (minutesAgo: number) => new Date(Date.now() - minutesAgo * 60_000).toISOString();
    const events = [
      { eventId: `${contactId}-1`, contactId, type: 'page_viewed', occurredAt: t(30), properties: { path: '/pricing' } },
      { eventId: `${contactId}-2`, contactId, type: 'webinar_attended', occurredAt: t(29), properties: { webinar: 'w-1' } },
      {
        eventId: `${contactId}-3`,
        contactId,
        type: 'asset_downloaded',
        occurredAt: t(28),
        properties: { asset: 'price-list', velocity: 'high' },
      },
    ];
    const grid = compileGrid(loadGrid(await readFile(STARTER_GRID, 'utf8'), STARTER_GRID));
    const expected = (
      await replayEvents(
        grid,
        events.map((e) => JSON.stringify(e)),
        Date.now(),
      )
    ).contacts[0]!;
    expect(expected.crossings.map((c) => `${c.threshold}:${c.direction}`)).toContain('MQL:up');

    const posted = await fetch(await ingest.url('/v1/events'), {
      method: 'POST',
      headers: { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({ events }),
    });
    expect(posted.status).toBe(202);

    const contactUrl = await readApi.url(`/contacts/${encodeURIComponent(contactId)}`);
    expect((await fetch(contactUrl)).status).toBe(401); // READ_API_KEYS: no key, no data
    let view: Json = {};
    const deadline = Date.now() + 60_000;
    for (;;) {
      const res = await fetch(contactUrl, { headers: { authorization: `Bearer ${API_KEY}` } });
      if (res.status === 200) {
        view = await res.json();
        if (view.lifecycle?.stage?.stage === 'MARKETING_QUALIFIED' && view.score === expected.score) break;
      }
      if (Date.now() > deadline) throw new Error(`not qualified in time; last view ${JSON.stringify(view)}; logs in ${logs}`);
      await new Promise((r) => setTimeout(r, 250)); // poll interval
    }
    expect(view.breakdown).toEqual(expected.contributions);
    expect(await Promise.all(all.map((p) => p.stop()))).toEqual([0, 0, 0, 0]);
  });

  it('the secured servers refuse what the services must not do: no anonymous clients, no keys outside the ACL', async () => {
    const password = (await readFile(secure['REDIS_PASSWORD_FILE']!, 'utf8')).trim();
    const tls = {
      ca: [await readFile(secure['REDIS_TLS_CA_FILE']!, 'utf8')],
      cert: await readFile(secure['REDIS_TLS_CERT_FILE']!, 'utf8'),
      key: await readFile(secure['REDIS_TLS_KEY_FILE']!, 'utf8'),
    };
    const anonymous = new Redis(secure['REDIS_URL']!, {
      tls,
      lazyConnect: true,
      enableReadyCheck: false,
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
    });
    anonymous.on('error', () => undefined);
    await anonymous.connect();
    await expect(anonymous.get('ls-anything')).rejects.toThrow(/NOAUTH/);
    anonymous.disconnect();

    const user = new Redis(secure['REDIS_URL']!, { username: secure['REDIS_USERNAME']!, password, tls });
    await expect(user.set('ls-secure-check', '1', 'EX', 60)).resolves.toBe('OK');
    await expect(user.set('other-app:key', '1')).rejects.toThrow(/NOPERM/);
    await expect(user.flushall()).rejects.toThrow(/NOPERM/);
    user.disconnect();

    const kafka = new Kafka({
      clientId: 'anonymous',
      brokers: [secure['KAFKA_BROKERS']!],
      logLevel: logLevel.NOTHING,
      retry: { retries: 0 },
    });
    const admin = kafka.admin();
    await expect(admin.connect().then(() => admin.listTopics())).rejects.toThrow();
    await admin.disconnect();
  });

  it('the CLI logs in with SCRAM-SHA-256 without TLS (the SASL_PLAINTEXT listener)', async () => {
    const [host, port] = secure['KAFKA_BROKERS']!.split(':');
    const env = {
      PATH: process.env.PATH ?? '',
      KAFKA_BROKERS: `${host}:${Number(port) + 1}`,
      KAFKA_SASL_MECHANISM: 'scram-sha-256',
      KAFKA_SASL_USERNAME: secure['KAFKA_SASL_USERNAME']!,
      KAFKA_SASL_PASSWORD_FILE: secure['KAFKA_SASL_PASSWORD_FILE']!,
      SCHEMA_REGISTRY_URL: ctx.schemaRegistryUrl,
    };
    const prefix = ctx.uniqueName('cli');
    // the dead-letter topic must exist for `dlq list`: a scorer provisions the topics of the prefix
    const scorer = service('scorer', envFor('cli-scorer', { TOPIC_PREFIX: prefix }));
    await scorer.start();
    await scorer.waitReady();
    const { stderr } = await run(process.execPath, [CLI, 'dlq', 'list', '--topic-prefix', prefix], { env, timeout: 60_000 });
    expect(stderr).toContain(`${prefix}.dead-letters: 0 dead letter(s)`);
    expect(await scorer.stop()).toBe(0);

    const wrong = await run(process.execPath, [CLI, 'dlq', 'list', '--topic-prefix', prefix], {
      env: { ...env, KAFKA_SASL_PASSWORD_FILE: '', KAFKA_SASL_PASSWORD: 'not-the-password' },
      timeout: 60_000,
    }).then(
      () => ({ code: 0, stderr: '' }),
      (error: { code: number; stderr: string }) => error,
    );
    expect(wrong.code).not.toBe(0);
    expect(wrong.stderr).toContain('KAFKA_AUTH_FAILED');
    expect(wrong.stderr).not.toContain('not-the-password');
  });

  it('a wrong password or an untrusted certificate stops each service at start-up with exit code 3 and the reason', async () => {
    const wrongPassword = 'definitely-not-the-password';
    const cases = [
      {
        name: 'scorer' as const,
        env: envFor('bad-kafka', { KAFKA_SASL_PASSWORD_FILE: '', KAFKA_SASL_PASSWORD: wrongPassword }),
        code: 'KAFKA_AUTH_FAILED',
        says: ['refused the login', 'SCRAM-SHA-512', 'user "leadscore"', 'Check KAFKA_SASL_USERNAME, KAFKA_SASL_PASSWORD'],
      },
      {
        name: 'lifecycle' as const,
        env: envFor('bad-redis', { REDIS_PASSWORD_FILE: '', REDIS_PASSWORD: wrongPassword }),
        code: 'REDIS_AUTH_FAILED',
        says: ['refused the login', 'WRONGPASS', 'Check REDIS_USERNAME and REDIS_PASSWORD'],
      },
      {
        name: 'readApi' as const,
        env: envFor('no-redis-ca', { REDIS_TLS_CA_FILE: '' }),
        code: 'REDIS_TLS_FAILED',
        says: ['self-signed certificate', 'Check REDIS_TLS_CA_FILE'],
      },
      {
        name: 'ingest' as const,
        env: envFor('no-kafka-ca', { KAFKA_TLS_CA_FILE: '', KAFKA_TLS: 'true' }),
        code: 'KAFKA_TLS_FAILED',
        says: ['self-signed certificate', 'Check KAFKA_TLS_CA_FILE'],
      },
      {
        // the broker requires mutual TLS (secure.sh): no client certificate, no connection
        name: 'scorer' as const,
        env: envFor('no-client-cert', { KAFKA_TLS_CERT_FILE: '', KAFKA_TLS_KEY_FILE: '' }),
        code: 'KAFKA_TLS_FAILED',
        says: ["The broker refused this client's certificate", 'check KAFKA_TLS_CERT_FILE and KAFKA_TLS_KEY_FILE'],
      },
    ];
    const started = cases.map((c) => ({ ...c, process: service(c.name, c.env) }));
    await Promise.all(started.map((c) => c.process.start()));
    for (const c of started) {
      // a bounded wait for the process to end by itself: kafkajs retries a failed TLS handshake a few times first
      expect(await c.process.exitCode(60_000), `${c.name} exit code; stderr: ${c.process.stderr}`).toBe(3);
      const line = c.process.stderr
        .split('\n')
        .find((l) => l.startsWith(`leadscore-${c.name === 'readApi' ? 'read-api' : c.name}: failed to start`));
      expect(line, c.process.stderr).toBeDefined();
      expect(line).toContain(`(${c.code})`);
      for (const fragment of c.says) expect(line).toContain(fragment);
      expect(c.process.stderr).not.toContain(wrongPassword);
    }
  });
});
