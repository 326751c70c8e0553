/**
 * Kafka client comparison (`npm run bench -- --clients`, or `--clients-only`): kafkajs,
 * @confluentinc/kafka-javascript and @platformatic/kafka on the same pre-filled input topics,
 * each pass in a child process of its own (bench/kafka-clients/pass.ts), in rounds
 * (A B C A B C) so that a busy neighbour on the shared cores hits every client alike.
 * Two modes per client: consume-only, and relay (one output produced per input, acks=all,
 * offsets committed after the acknowledgement). The two other clients live in
 * bench/kafka-clients/package.json, installed here on first use, never by the project's install.
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createTopics, deleteTopics, totalEnd, type BenchEnv } from './bench-env.js';
import { CLIENT_NAMES, type ClientName, type PassMode, type PassResult, type PassSpec } from './kafka-clients/pass-meter.js';

const HERE = fileURLToPath(new URL('./kafka-clients/', import.meta.url));
const PACKAGES: Record<Exclude<ClientName, 'kafkajs'>, string> = {
  confluent: '@confluentinc/kafka-javascript',
  platformatic: '@platformatic/kafka',
};
const MODES: readonly PassMode[] = ['relay', 'consume'];

export interface ClientRun {
  readonly round: number;
  readonly client: ClientName;
  readonly mode: PassMode;
  /** 1-minute load average when the pass ended. */
  readonly loadAverage: number;
  readonly result?: PassResult;
  /** Relaying: messages in the output topic after the pass (high watermarks), to check that every acknowledged output landed. */
  readonly landed?: number;
  readonly error?: string;
}

export interface KafkaClientsResult {
  readonly events: number;
  readonly rounds: number;
  readonly chunkSize: number;
  readonly versions: Record<ClientName, string>;
  /** Why a client was left out (not installed or failed to install). */
  readonly missing: Partial<Record<ClientName, string>>;
  readonly runs: readonly ClientRun[];
  /** `top` at the start and at the end of the phase: what else was running. */
  readonly machineAtStart: string;
  readonly machineAtEnd: string;
}

export async function measureKafkaClients(
  env: BenchEnv,
  inputTopics: readonly string[],
  events: number,
  options: { rounds: number; chunkSize: number; passTimeoutMs: number; log: (message: string) => void },
): Promise<KafkaClientsResult> {
  const missing = installClients(options.log);
  const clients = CLIENT_NAMES.filter((c) => !(c in missing));
  const machineAtStart = topSnapshot();
  const runs: ClientRun[] = [];
  const outputs: string[] = [];
  try {
    for (let round = 1; round <= options.rounds; round += 1) {
      for (const mode of MODES) {
        for (const client of clients) {
          const outputTopic = `${env.runId}.clients.${client}-${mode}-${round}`;
          if (mode === 'relay') {
            await createTopics(env.kafka, [outputTopic], 6);
            outputs.push(outputTopic);
          }
          const spec: PassSpec = {
            client,
            mode,
            brokers: env.kafkaBrokers,
            inputTopics,
            outputTopic,
            groupId: `${env.runId}-clients-${client}-${mode}-${round}`,
            expected: events,
            chunkSize: options.chunkSize,
          };
          const passed = await runPass(spec, round, options.passTimeoutMs);
          const run =
            mode === 'relay' && passed.result ? { ...passed, landed: await totalEnd(env.kafka, [outputTopic]) } : passed;
          runs.push(run);
          options.log(describeRun(run));
        }
      }
    }
  } finally {
    await deleteTopics(env.kafka, outputs).catch((error: Error) =>
      options.log(`clients: output topic clean-up failed: ${error.message}`),
    );
  }
  return {
    events,
    rounds: options.rounds,
    chunkSize: options.chunkSize,
    versions: versions(),
    missing,
    runs,
    machineAtStart,
    machineAtEnd: topSnapshot(),
  };
}

function describeRun(run: ClientRun): string {
  if (!run.result) return `clients: round ${run.round} ${run.client} ${run.mode} failed: ${run.error}`;
  const r = run.result;
  const perSecond = Math.round((r.events / r.ms) * 1000);
  return `clients: round ${run.round} ${run.client} ${run.mode}: ${perSecond} events/s, ${(r.cpuMicros / r.events).toFixed(1)} µs CPU/event (load ${run.loadAverage})`;
}

/** Runs one pass in its own process; a pass that fails or outlives `timeoutMs` is recorded with its error. */
function runPass(spec: PassSpec, round: number, timeoutMs: number): Promise<ClientRun> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(HERE, 'pass.ts'), JSON.stringify(spec)], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-8_000)));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const base = { round, client: spec.client, mode: spec.mode, loadAverage: Math.round(loadavg()[0]! * 100) / 100 };
      const last = stdout.trim().split('\n').pop() ?? '';
      if (code === 0 && last.startsWith('{')) resolve({ ...base, result: JSON.parse(last) as PassResult });
      else
        resolve({
          ...base,
          error: signal === 'SIGKILL' ? `no end after ${timeoutMs / 1000} s` : `exit ${code}: ${firstError(stderr)}`,
        });
    });
  });
}

/** The first lines of a stack trace that name an error (the cause is often nested below the first). */
function firstError(stderr: string): string {
  const lines = stderr.split('\n').filter((line) => /Error\b|error:/.test(line));
  return (
    lines
      .slice(0, 3)
      .map((line) => line.trim())
      .join(' / ') || stderr.trim().split('\n').slice(-3).join(' / ')
  );
}

/**
 * Installs bench/kafka-clients/ when a client is missing. The Confluent client is an optional
 * dependency: its install script builds librdkafka (its prebuilt binary comes from a host this
 * machine cannot reach), and if that build fails npm leaves it out and the others are measured.
 * CKJS_LINKING=dynamic makes the bundled librdkafka's configure use the system's OpenSSL, zlib,
 * zstd, lz4, SASL and curl (Debian's -dev packages) instead of downloading their sources; the
 * Node headers come from the installed Node (`nodedir`) rather than a download.
 */
function installClients(log: (message: string) => void): Partial<Record<ClientName, string>> {
  const absent = () => Object.entries(PACKAGES).filter(([, name]) => !resolvable(name));
  if (absent().length > 0) {
    log(
      `clients: installing ${absent()
        .map(([, name]) => name)
        .join(', ')} into bench/kafka-clients (a librdkafka build takes ~6 min here)`,
    );
    const nodedir = join(dirname(process.execPath), '..');
    try {
      execFileSync('npm', ['ci', '--prefix', HERE, '--no-audit', '--no-fund'], {
        stdio: ['ignore', 'inherit', 'inherit'],
        env: {
          ...process.env,
          CKJS_LINKING: 'dynamic',
          ...(existsSync(join(nodedir, 'include/node/node.h')) ? { npm_config_nodedir: nodedir } : {}),
        },
      });
    } catch (error) {
      log(`clients: npm ci in bench/kafka-clients failed (${(error as Error).message}); measuring what is installed`);
    }
  }
  const missing: Partial<Record<ClientName, string>> = {};
  for (const [client, name] of absent()) {
    missing[client as ClientName] =
      client === 'confluent'
        ? `${name} is not installed: its librdkafka build failed (it needs g++, make, python3 and Debian's libssl-dev zlib1g-dev libzstd-dev libsasl2-dev liblz4-dev libcurl4-openssl-dev)`
        : `${name} is not installed (npm ci --prefix bench/kafka-clients failed)`;
    log(`clients: ${missing[client as ClientName]}`);
  }
  return missing;
}

/** Where a client's package.json is once installed (read directly: packages' `exports` may hide it from resolution). */
const manifest = (name: string) => join(HERE, 'node_modules', name, 'package.json');

function resolvable(name: string): boolean {
  return existsSync(manifest(name));
}

function versions(): Record<ClientName, string> {
  const version = (path: string) =>
    existsSync(path) ? (JSON.parse(readFileSync(path, 'utf8')) as { version: string }).version : 'not installed';
  return {
    kafkajs: version(createRequire(import.meta.url).resolve('kafkajs/package.json')),
    confluent: version(manifest(PACKAGES.confluent)),
    platformatic: version(manifest(PACKAGES.platformatic)),
  };
}

/** The busiest processes now (batch `top`, command names only): what the shared cores were doing. */
function topSnapshot(): string {
  try {
    const out = execFileSync('top', ['-b', '-n', '1', '-o', '%CPU', '-w', '120'], { encoding: 'utf8' });
    return out.split('\n').slice(0, 17).join('\n');
  } catch {
    return '(top unavailable)';
  }
}
