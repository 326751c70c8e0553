import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { topicNames, type AvroCodec } from '@leadscore/contracts';
import { compileGrid, loadGrid } from '@leadscore/engine';
import { loadDemoConfig, REPO_ROOT, type DemoConfig, type Endpoints } from './demo-config.js';
import { DEMO_COMPANIES } from './demo-companies.js';
import { DEMO_GRID_PARTS, writeDemoGrid, type DemoGrid } from './demo-grid.js';
import { writeDemoHistory } from './demo-history.js';
import { DemoProducer } from './demo-producer.js';
import { provisionDemoTopics } from './demo-topics.js';
import { LiveView } from './live-view.js';
import { renderSummary } from './live-view-render.js';
import { SEVERAL_SCORES_GRID, severalScoresSummary } from './several-scores-summary.js';
import { describeExit, ServiceChild } from './service-child.js';
import { startLocalStack } from './stack-endpoints.js';
import { syntheticEvents } from './synthetic-events.js';

/**
 * `npm run demo`: the local stack, the scorer and the account service (child processes, logs to
 * files), a synthetic event stream of contacts, some at a few companies, and a live view of
 * their outputs. Ctrl-C (or SIGTERM, or --duration) stops the producer, then the scorer, then
 * the account service, then the view, and prints a summary.
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
  const shown = (file: string) => relative(process.cwd(), file) || file;
  const logFile = shown(config.scorerLogFile);
  const logDir = dirname(config.scorerLogFile);
  let grid: DemoGrid;
  try {
    grid = await writeDemoGrid(REPO_ROOT, join(logDir, 'demo-grid.yaml'));
  } catch (error) {
    say(`could not write the demo grid: ${(error as Error).message}`);
    return 1;
  }
  say(`grid: ${shown(grid.file)} (${DEMO_GRID_PARTS.starter} and the accounts section of ${DEMO_GRID_PARTS.accounts})`);
  say(`starting the scorer and the account service on topics ${config.prefix}.* (scorer log: ${logFile})…`);
  // What the services share: the run's endpoints, topics, Redis prefix and grid.
  const stackEnv = {
    KAFKA_BROKERS: endpoints.kafkaBrokers.join(','),
    SCHEMA_REGISTRY_URL: endpoints.schemaRegistryUrl,
    REDIS_URL: endpoints.redisUrl,
    TOPIC_PREFIX: config.prefix,
    REDIS_KEY_PREFIX: config.prefix,
    LOG_LEVEL: config.logLevel,
    GRID_FILE: grid.file,
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
  // The account service (docs/accounts.md) beside it: the companies' scores and their MQA.
  const accountsLogFile = join(logDir, 'accounts.log');
  let accounts: ServiceChild | null = await ServiceChild.start({
    repoRoot: REPO_ROOT,
    name: 'the account service',
    script: 'services/accounts/bin/accounts.js',
    logFile: accountsLogFile,
    env: {
      ...stackEnv,
      ACCOUNTS_MEMBERS_GROUP_ID: `${config.prefix}-accounts-members`,
      ACCOUNTS_GROUP_ID: `${config.prefix}-accounts`,
      PROVISION: 'false',
    },
  });
  const stopChild = async (child: ServiceChild | null): Promise<boolean> => {
    if (child === null) return true;
    const status = await child.stop();
    if (status.code === 0) return true;
    say(`${child.name} did not stop cleanly (${describeExit(status)}); its last log lines:\n${child.logTail()}`);
    return false;
  };
  const stopScorer = () => stopChild(scorer);

  try {
    await scorer.waitReady(120_000, () => stop.requested);
  } catch (error) {
    const stopped = await Promise.all([stopScorer(), stopChild(accounts)]);
    if (stop.requested) {
      say(`stopped (${stop.reason}) before the stream started`);
      return stopped.every(Boolean) ? 0 : 1;
    }
    say((error as Error).message);
    return 1;
  }
  try {
    await accounts.waitReady(60_000, () => stop.requested);
  } catch (error) {
    say(`the account service did not start, the demo goes on without the companies: ${(error as Error).message}`);
    accounts.kill();
    accounts = null;
  }

  // The console (docs/console.md) beside the scorer; the demo goes on without it if it fails.
  // Its history, to test drafts on, is the stream the demo is about to produce.
  const consoleKey = randomBytes(12).toString('hex');
  const consoleLogFile = join(logDir, 'console.log');
  const historyFile = join(logDir, 'demo-history.ndjson');
  const stream = {
    seed: config.seed,
    contacts: config.contacts,
    events: config.events,
    now: config.now,
    days: config.days,
    companyKey: grid.accountKey,
  };
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
      accounts: accounts && {
        threshold: grid.mqa,
        companies: DEMO_COMPANIES.map((c) => c.domain),
        logFile: shown(accountsLogFile),
      },
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
    await stopChild(accounts);
    await webConsole.stop();
    return 1;
  }

  const duration = config.durationSeconds;
  const timer = duration === null ? undefined : setTimeout(() => stop.request(`--duration ${duration} s`), duration * 1000);
  for (const child of accounts ? [scorer, accounts] : [scorer])
    void child.whenExited().then((status) => stop.fail(`${child.name} exited by itself (${describeExit(status)})`, child));
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
  if (accounts) {
    await view.drain(); // the account service's outputs for the scorer's last score changes
    if (!(await stopChild(accounts))) clean = false;
  }
  await webConsole.stop();
  await view.drain();
  await view.stop().catch(() => undefined);
  if (stop.failed) say(`${stop.reason}; its last log lines:\n${(stop.failedChild ?? scorer).logTail()}`);
  const snapshot = view.snapshot();
  process.stdout.write(`${renderSummary(snapshot, stop.reason)}\n`);
  // The same behaviour as engagement, fit and a grade (docs/demo.md): replayed, not streamed,
  // since the console beside the scorer edits grids of one score only.
  try {
    const severalScores = compileGrid(
      loadGrid(await readFile(join(REPO_ROOT, SEVERAL_SCORES_GRID), 'utf8'), SEVERAL_SCORES_GRID),
    );
    const lines = await severalScoresSummary(severalScores, syntheticEvents(stream), snapshot.produced, Date.now());
    process.stdout.write(`${lines.join('\n')}\n`);
  } catch (error) {
    say(`could not replay the stream under ${SEVERAL_SCORES_GRID}: ${(error as Error).message}`);
  }
  return clean ? 0 : 1;
}

const REPEAT_SIGNAL_GRACE_MS = 1_500;

/** The first stop request wins; a second Ctrl-C while stopping gives up waiting and exits at once. */
class StopSignal {
  reason = '';
  failed = false;
  /** The child whose exit failed the run, for its log lines. */
  failedChild: ServiceChild | null = null;
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

  fail(reason: string, child: ServiceChild | null = null): void {
    if (this.requested) return;
    this.failed = true;
    this.failedChild = child;
    this.request(reason);
  }
}

// exit explicitly: client libraries may keep timers alive for a while after disconnecting
process.exit(await main());
