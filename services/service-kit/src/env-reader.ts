import { ServiceError } from './service-error.js';

type Env = Readonly<Record<string, string | undefined>>;

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/**
 * Reads a service's environment, collecting every problem instead of stopping at the first,
 * so a misconfigured deployment is fixed in one round. Call `done(config)` at the end: it
 * throws CONFIG_INVALID listing the problems, or returns the config frozen.
 */
export class EnvReader {
  readonly problems: string[] = [];

  constructor(private readonly env: Env) {}

  /** A raw, trimmed value or undefined. */
  raw(name: string): string | undefined {
    const value = this.env[name]?.trim();
    return value ? value : undefined;
  }

  text(name: string, fallback?: string): string {
    const value = this.raw(name);
    if (value) return value;
    if (fallback !== undefined) return fallback;
    this.problems.push(`${name} is required`);
    return '';
  }

  int(name: string, fallback: number, min: number, max: number): number {
    const raw = this.raw(name);
    if (!raw) return fallback;
    const value = Number(raw);
    if (!Number.isInteger(value) || value < min || value > max) {
      this.problems.push(`${name} must be an integer from ${min} to ${max}, got ${JSON.stringify(raw)}`);
      return fallback;
    }
    return value;
  }

  bool(name: string, fallback: boolean): boolean {
    const raw = this.raw(name)?.toLowerCase();
    if (!raw) return fallback;
    if (['1', 'true', 'yes'].includes(raw)) return true;
    if (['0', 'false', 'no'].includes(raw)) return false;
    this.problems.push(`${name} must be true or false, got ${JSON.stringify(this.env[name])}`);
    return fallback;
  }

  url(name: string, protocols: readonly string[]): string {
    const value = this.text(name);
    if (!value) return value;
    try {
      const parsed = new URL(value);
      if (!protocols.includes(parsed.protocol)) this.problems.push(`${name} must be a ${protocols.join(' or ')} URL, got ${parsed.protocol}`);
    } catch {
      this.problems.push(`${name} must be a URL, got ${JSON.stringify(value)}`);
    }
    return value;
  }

  /** A comma-separated list, entries trimmed, empty entries dropped. */
  list(name: string, required: boolean): string[] {
    const raw = required ? this.text(name) : (this.raw(name) ?? '');
    return raw
      .split(',')
      .map((entry) => entry.trim())
      .filter(Boolean);
  }

  kafkaBrokers(name = 'KAFKA_BROKERS'): string[] {
    const brokers = this.list(name, true);
    for (const broker of brokers) {
      if (!/^[^:\s]+:\d{1,5}$/.test(broker)) this.problems.push(`${name} entries must be host:port, got ${JSON.stringify(broker)}`);
    }
    return brokers;
  }

  topicPrefix(name = 'TOPIC_PREFIX'): string {
    const prefix = this.text(name, 'leadscore');
    if (!/^[a-zA-Z0-9._-]+$/.test(prefix)) this.problems.push(`${name} must match [a-zA-Z0-9._-]+, got ${JSON.stringify(prefix)}`);
    return prefix;
  }

  redisKeyPrefix(name = 'REDIS_KEY_PREFIX'): string {
    const prefix = this.text(name, 'ls');
    if (/[{}\s]/.test(prefix)) this.problems.push(`${name} may not contain braces or spaces (they would break hash tags)`);
    return prefix;
  }

  logLevel(name = 'LOG_LEVEL'): string {
    const level = this.text(name, 'info');
    if (!(LOG_LEVELS as readonly string[]).includes(level)) {
      this.problems.push(`${name} must be one of ${LOG_LEVELS.join(', ')}; got ${JSON.stringify(level)}`);
    }
    return level;
  }

  /** @throws ServiceError CONFIG_INVALID with every problem, one per line. */
  done<T extends object>(config: T): Readonly<T> {
    if (this.problems.length > 0) {
      throw new ServiceError('CONFIG_INVALID', `invalid configuration:\n  - ${this.problems.join('\n  - ')}`, false);
    }
    return Object.freeze(config);
  }
}
