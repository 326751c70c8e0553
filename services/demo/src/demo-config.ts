import { Command, InvalidArgumentError } from 'commander';
import { fileURLToPath } from 'node:url';
import { DEFAULT_EVENTS_PER_CONTACT } from './synthetic-events.js';

export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/** The demo's configuration: parsed once by `main` from the flags and the environment, then frozen. */
export interface DemoConfig {
  readonly contacts: number;
  /** Total events to stream (duplicates included); the stream then ends and the view stays. */
  readonly events: number;
  /** Events produced per second. */
  readonly rate: number;
  /** Stop by itself after this many seconds of streaming (null: run until Ctrl-C). */
  readonly durationSeconds: number | null;
  readonly seed: number;
  /** Days of history the events are spread over, ending now. */
  readonly days: number;
  /** Topic prefix, Redis key prefix and consumer group stem of this run. */
  readonly prefix: string;
  readonly scorerLogFile: string;
  /** Endpoints given by the environment (all three) or null: start the local stack. */
  readonly endpoints: Endpoints | null;
  readonly logLevel: string;
  /** The moment the synthetic history ends (epoch ms). */
  readonly now: number;
}

export interface Endpoints {
  readonly kafkaBrokers: readonly string[];
  readonly schemaRegistryUrl: string;
  readonly redisUrl: string;
}

type Env = Readonly<Record<string, string | undefined>>;

const positiveInt = (name: string) => (raw: string) => {
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1) throw new InvalidArgumentError(`${name} must be a positive integer`);
  return value;
};
const positiveNumber = (name: string) => (raw: string) => {
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0) throw new InvalidArgumentError(`${name} must be a positive number`);
  return value;
};

/**
 * Parses `argv` (flags win) and the environment (DEMO_* and the endpoints). Exits with a usage
 * message on a bad flag (commander). Throws Error for an incomplete set of endpoints.
 */
export function loadDemoConfig(argv: readonly string[], env: Env, now: number): DemoConfig {
  const program = new Command('demo')
    .description('leadscore demo: the scorer on a synthetic event stream, with live scores and MQL crossings')
    .option(
      '--contacts <n>',
      'contacts in the synthetic population',
      positiveInt('--contacts'),
      intFromEnv(env, 'DEMO_CONTACTS', 300),
    )
    .option('--events <n>', `events to stream (default: ${DEFAULT_EVENTS_PER_CONTACT} per contact)`, positiveInt('--events'))
    .option('--rate <n>', 'events produced per second', positiveNumber('--rate'), numberFromEnv(env, 'DEMO_RATE', 200))
    .option('--duration <seconds>', 'stop by itself after this many seconds of streaming', positiveNumber('--duration'))
    .option(
      '--seed <n>',
      'seed of the synthetic stream (same seed, same story)',
      positiveInt('--seed'),
      intFromEnv(env, 'DEMO_SEED', 42),
    )
    .option('--days <n>', 'days of history the events are spread over', positiveNumber('--days'), 30)
    .option('--prefix <name>', 'topic and Redis key prefix (default: demo-<UTC time>, new each run)', env.DEMO_PREFIX)
    .option(
      '--scorer-log <file>',
      'where the scorer writes its logs',
      env.DEMO_SCORER_LOG ?? `${REPO_ROOT}.stack/logs/demo-scorer.log`,
    )
    .showHelpAfterError()
    .parse(argv as string[], { from: 'user' });
  const opts = program.opts<{
    contacts: number;
    events?: number;
    rate: number;
    duration?: number;
    seed: number;
    days: number;
    prefix?: string;
    scorerLog: string;
  }>();
  const duration = opts.duration ?? (env.DEMO_DURATION?.trim() ? numberFromEnv(env, 'DEMO_DURATION', 0) : null);
  const prefix = opts.prefix ?? `demo-${new Date(now).toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15)}`;
  if (!/^[a-zA-Z0-9._-]+$/.test(prefix)) throw new Error(`--prefix must match [a-zA-Z0-9._-]+, got ${JSON.stringify(prefix)}`);
  return Object.freeze({
    contacts: opts.contacts,
    events: opts.events ?? opts.contacts * DEFAULT_EVENTS_PER_CONTACT,
    rate: opts.rate,
    durationSeconds: duration,
    seed: opts.seed,
    days: opts.days,
    prefix,
    scorerLogFile: opts.scorerLog,
    endpoints: endpointsFromEnv(env),
    logLevel: env.LOG_LEVEL ?? 'info',
    now,
  });
}

/** All three endpoints from the environment, none (null), or an Error naming the missing ones. */
function endpointsFromEnv(env: Env): Endpoints | null {
  const names = ['KAFKA_BROKERS', 'SCHEMA_REGISTRY_URL', 'REDIS_URL'] as const;
  const missing = names.filter((name) => !env[name]?.trim());
  if (missing.length === names.length) return null;
  if (missing.length > 0)
    throw new Error(`set all of ${names.join(', ')} or none (to use the local stack); missing ${missing.join(', ')}`);
  return {
    kafkaBrokers: env
      .KAFKA_BROKERS!.split(',')
      .map((b) => b.trim())
      .filter(Boolean),
    schemaRegistryUrl: env.SCHEMA_REGISTRY_URL!.trim(),
    redisUrl: env.REDIS_URL!.trim(),
  };
}

/** Thrown for a set but invalid value: a typo in the environment should not go unnoticed. */
function intFromEnv(env: Env, name: string, fallback: number): number {
  const raw = env[name]?.trim();
  if (!raw) return fallback;
  return positiveInt(name)(raw);
}

function numberFromEnv(env: Env, name: string, fallback: number): number {
  const raw = env[name]?.trim();
  if (!raw) return fallback;
  return positiveNumber(name)(raw);
}
