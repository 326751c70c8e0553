import { randomBytes } from 'node:crypto';
import { dirname, join, relative } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { topicNames, type AvroCodec } from '@leadscore/contracts';
import { loadDemoConfig, REPO_ROOT, type DemoConfig, type Endpoints } from './demo-config.js';
import { writeDemoHistory } from './demo-history.js';
import { DemoProducer } from './demo-producer.js';
import { provisionDemoTopics } from './demo-topics.js';
import { LiveView } from './live-view.js';
import { renderSummary } from './live-view-render.js';
import { describeExit, ServiceChild } from './service-child.js';
import { startLocalStack } from './stack-endpoints.js';
import { syntheticEvents } from './synthetic-events.js';

/**
 * `npm run demo`: the local stack, the scorer (a child process, logs to a file), a synthetic
 * event stream and a live view of the scorer's outputs. Ctrl-C (or SIGTERM, or --duration)
 * stops the producer, then the scorer, then the view, and prints a summary.
 * Exit codes: 0 clean stop, 1 something failed (message on stderr), 2 bad options.
 */
async function main(): Promise<number> {
  let config: DemoConfig;
  try {
    config = loadDemoConfig(process.argv.slice(2), process.env, Date.now());
  } catch (error) {
    console.error(`demo: ${(error as Error).message}`);
    return 2;
  }
  const say = (text: string) => process.stderr.write(`[demo] ${text}\n`);
  const stop = new StopSignal();
  process.on('SIGINT', () => stop.request('Ctrl-C'));
  process.on('SIGTERM', () => stop.request('SIGTERM'));

  let endpoints: Endpoints;
  try {
    if (config.endpoints) endpoints = config.endpoints;
    else {
      say('starting the local stack (deploy/local/stack.sh start)…');
      endpoints = await startLocalStack(REPO_ROOT);
    }
  } catch (error) {
    say((error as Error).message);
    return 1;
  }

  const topics = topicNames(config.prefix);
  const kafka = new Kafka({
    clientId: `${config.prefix}-demo`,
    brokers: [...endpoints.kafkaBrokers],
    logLevel: logLevel.NOTHING,
  });
  let codec: AvroCodec;
  try {
    codec = await provisionDemoTopics(kafka, topics, endpoints.schemaRegistryUrl);
  } catch (error) {
    say(`could not create the topics ${config.prefix}.* or register their schemas: ${(error as Error).message}`);
    return 1;
  }
  const logFile = relative(process.cwd(), config.scorerLogFile) || config.scorerLogFile;
  say(`starting the scorer on topics ${config.prefix}.* (its log: ${logFile})…`);
  // What the scorer and the console share: the run's endpoints, topics and Redis prefix.
  const stackEnv = {
    KAFKA_BROKERS: endpoints.kafkaBrokers.join(','),
    SCHEMA_REGISTRY_URL: endpoints.schemaRegistryUrl,
    REDIS_URL: endpoints.redisUrl,
    TOPIC_PREFIX: config.prefix,
    REDIS_KEY_PREFIX: config.prefix,
    LOG_LEVEL: config.logLevel,
  };
  const scorer = await ServiceChild.start({
    repoRoot: REPO_ROOT,
    name: 'the scorer',
    script: 'services/scorer/bin/scorer.js',
    logFile: config.scorerLogFile,
    env: {
      ...stackEnv,
      SCORER_GROUP_ID: `${config.prefix}-scorer`,
      PROVISION: 'false',
    },
  });
  const stopScorer = async (): Promise<boolean> => {
    const status = await scorer.stop();
    if (status.code === 0) return true;
    say(`the scorer did not stop cleanly (${describeExit(status)}); its last log lines:\n${scorer.logTail()}`);
    return false;
  };

  try {
    await scorer.waitReady(120_000, () => stop.requested);
  } catch (error) {
    if (stop.requested) {
      say(`stopped (${stop.reason}) before the stream started`);
      return (await stopScorer()) ? 0 : 1;
    }
    say((error as Error).message);
    await stopScorer();
    return 1;
  }

  // The console (docs/console.md) beside the scorer; the demo goes on without it if it fails.
  // Its history, to test drafts on, is the stream the demo is about to produce.
  const consoleKey = randomBytes(12).toString('hex');
  const consoleLogFile = join(dirname(config.scorerLogFile), 'console.log');
  const historyFile = join(dirname(config.scorerLogFile), 'demo-history.ndjson');
  const stream = { seed: config.seed, contacts: config.contacts, events: config.events, now: config.now, days: config.days };
  let history: Record<string, string> = {};
  try {
    await writeDemoHistory(historyFile, stream);
    history = { CONSOLE_HISTORY_FILE: historyFile };
  } catch (error) {
    say(`could not write the console's history ${historyFile}, its backtest page stays empty: ${(error as Error).message}`);
  }
  const webConsole = await ServiceChild.start({
    repoRoot: REPO_ROOT,
    name: 'the console',
    script: 'services/console/bin/console.js',
    logFile: consoleLogFile,
    env: {
      ...stackEnv,
      HTTP_HOST: '127.0.0.1',
      CONSOLE_EDITOR_KEYS: `demo:${consoleKey}`,
      ...history,
    },
  });
  let consoleUrl: string | null = null;
  try {
    await webConsole.waitReady(60_000, () => stop.requested);
    consoleUrl = `http://127.0.0.1:${webConsole.httpPort}/ (sign in with the key ${consoleKey})`;
    say(`console: ${consoleUrl}`);
  } catch (error) {
    say(`the console did not start, the demo goes on without it: ${(error as Error).message}`);
    webConsole.kill();
  }

  let producer: DemoProducer | undefined;
  let view: LiveView | undefined;
  try {
    producer = new DemoProducer(kafka, codec, topics, config.rate);
    await producer.connect();
    view = new LiveView({
      kafka,
      codec,
      topics,
      groupId: `${config.prefix}-live-view`,
      output: process.stdout,
      tty: process.stdout.isTTY === true,
      producer: producer.stats,
      totalEvents: config.events,
      scorerHttpPort: scorer.httpPort,
      prefix: config.prefix,
      scorerLogFile: logFile,
      consoleUrl,
    });
    say(`streaming ${config.events} events for ${config.contacts} contacts at ${config.rate}/s (seed ${config.seed})`);
    await view.start();
    producer.start(syntheticEvents(stream));
  } catch (error) {
    view?.restoreScreen();
    say(`could not start streaming: ${(error as Error).message}`);
    await producer?.stop().catch(() => undefined);
    await view?.stop().catch(() => undefined);
    await stopScorer();
    await webConsole.stop();
    return 1;
  }

  const duration = config.durationSeconds;
  const timer = duration === null ? undefined : setTimeout(() => stop.request(`--duration ${duration} s`), duration * 1000);
  void scorer.whenExited().then((status) => stop.fail(`the scorer exited by itself (${describeExit(status)})`));
  producer.done().catch((error: Error) => stop.fail(`producing failed: ${error.message}`));

  await stop.whenRequested;
  clearTimeout(timer);
  view.markStopping();
  let clean = !stop.failed;
  await producer.stop().catch((error: Error) => {
    clean = false;
    view!.restoreScreen();
    say(`producer: ${error.message}`);
  });
  if (!(await stopScorer())) clean = false;
  await webConsole.stop();
  await view.drain();
  await view.stop().catch(() => undefined);
  if (stop.failed) say(`${stop.reason}; its last log lines:\n${scorer.logTail()}`);
  process.stdout.write(`${renderSummary(view.snapshot(), stop.reason)}\n`);
  return clean ? 0 : 1;
}

const REPEAT_SIGNAL_GRACE_MS = 1_500;

/** The first stop request wins; a second Ctrl-C while stopping gives up waiting and exits at once. */
class StopSignal {
  reason = '';
  failed = false;
  private requestedAt = 0;
  readonly whenRequested: Promise<void>;
  private resolve!: () => void;

  constructor() {
    this.whenRequested = new Promise((resolve) => (this.resolve = resolve));
  }

  get requested(): boolean {
    return this.reason !== '';
  }

  request(reason: string): void {
    if (this.requested) {
      // `npm run` forwards the terminal's SIGINT to us, so one Ctrl-C can arrive twice: only a
      // later press means "stop now".
      const again = Date.now() - this.requestedAt > REPEAT_SIGNAL_GRACE_MS;
      if (again && (reason === 'Ctrl-C' || reason === 'SIGTERM')) {
        if (process.stdout.isTTY) process.stdout.write('\x1b[?25h\x1b[?1049l'); // the terminal's own screen back
        process.stderr.write('[demo] stopping now, without waiting (the scorer is killed)\n');
        process.exit(130); // the exit hook kills the scorer
      }
      return;
    }
    this.reason = reason;
    this.requestedAt = Date.now();
    this.resolve();
  }

  fail(reason: string): void {
    if (this.requested) return;
    this.failed = true;
    this.request(reason);
  }
}

// exit explicitly: client libraries may keep timers alive for a while after disconnecting
process.exit(await main());
