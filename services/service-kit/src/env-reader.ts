import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import {
  KAFKA_SASL_MECHANISMS,
  type KafkaSaslMechanism,
  type KafkaSecurity,
  type RedisSecurity,
  type RegistryAuth,
  type TlsMaterial,
} from './connection-security.js';
import { ErrorCode } from '@leadscore/errors';
import { STARTER_GRID_FILE } from './grid-file.js';
import { ServiceError } from './service-error.js';

type Env = Readonly<Record<string, string | undefined>>;

/** The connection settings every service reads the same way (spread into its config). */
export interface KafkaSettings {
  readonly kafkaBrokers: readonly string[];
  readonly kafkaClientId: string;
  /** SASL login and TLS (KAFKA_SASL_*, KAFKA_TLS*) */
  readonly kafkaSecurity: KafkaSecurity;
}

export interface RegistrySettings {
  readonly schemaRegistryUrl: string;
  readonly schemaRegistryAuth: RegistryAuth | undefined;
}

export interface RedisSettings {
  readonly redisUrl: string;
  /** REDIS_URL is a seed node of a Redis Cluster */
  readonly redisCluster: boolean;
  /** ACL user, password and TLS (REDIS_USERNAME, REDIS_PASSWORD, rediss://, REDIS_TLS_*) */
  readonly redisSecurity: RedisSecurity;
}

/** Where a service's topics are, and whether it creates them (and registers their schemas) at start-up. */
export interface TopicSettings {
  readonly topicPrefix: string;
  /** Create missing topics and register the schemas at start-up: handy locally, off in production. */
  readonly provision: boolean;
  /** Partitions of the topics it creates. */
  readonly topicPartitions: number;
}

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

  /** One of `choices` (exactly as listed), else `fallback` when unset. */
  oneOf<const Choice extends string>(name: string, choices: readonly Choice[], fallback: Choice): Choice {
    const raw = this.raw(name);
    if (!raw) return fallback;
    if ((choices as readonly string[]).includes(raw)) return raw as Choice;
    this.problems.push(`${name} must be one of ${choices.join(', ')}, got ${JSON.stringify(raw)}`);
    return fallback;
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
      if (!protocols.includes(parsed.protocol))
        this.problems.push(`${name} must be a ${protocols.join(' or ')} URL, got ${parsed.protocol}`);
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
      if (!/^[^:\s]+:\d{1,5}$/.test(broker))
        this.problems.push(`${name} entries must be host:port, got ${JSON.stringify(broker)}`);
    }
    return brokers;
  }

  topicPrefix(name = 'TOPIC_PREFIX'): string {
    const prefix = this.text(name, 'leadscore');
    if (!/^[a-zA-Z0-9._-]+$/.test(prefix))
      this.problems.push(`${name} must match [a-zA-Z0-9._-]+, got ${JSON.stringify(prefix)}`);
    return prefix;
  }

  /** The grid file the service scores with; the starter grid when unset. */
  gridFile(name = 'GRID_FILE'): string {
    return this.text(name, STARTER_GRID_FILE);
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

  /**
   * A secret from NAME, or from the file NAME_FILE names (a mounted Kubernetes Secret); undefined
   * when neither is set. The value never appears in a problem message.
   */
  secret(name: string): string | undefined {
    const inline = this.env[name];
    const file = this.raw(`${name}_FILE`);
    if (inline && file) {
      this.problems.push(`set ${name} or ${name}_FILE, not both`);
      return undefined;
    }
    if (!file) return inline || undefined;
    try {
      return readFileSync(file, 'utf8').replace(/\r?\n$/, '');
    } catch (error) {
      this.problems.push(`${name}_FILE: cannot read ${file} (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
      return undefined;
    }
  }

  /** The text of a PEM file whose path is in NAME; undefined when unset. */
  pemFile(name: string): string | undefined {
    const path = this.raw(name);
    if (!path) return undefined;
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (error) {
      this.problems.push(`${name}: cannot read ${path} (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
      return undefined;
    }
    if (!text.includes('-----BEGIN ')) this.problems.push(`${name}: ${path} is not a PEM file`);
    return text;
  }

  /** TLS material from PREFIX_CA_FILE, PREFIX_CERT_FILE and PREFIX_KEY_FILE (a client certificate needs both). */
  tlsMaterial(prefix: string): { material: TlsMaterial; given: boolean } {
    const ca = this.pemFile(`${prefix}_CA_FILE`);
    const cert = this.pemFile(`${prefix}_CERT_FILE`);
    const key = this.pemFile(`${prefix}_KEY_FILE`);
    if (Boolean(this.raw(`${prefix}_CERT_FILE`)) !== Boolean(this.raw(`${prefix}_KEY_FILE`))) {
      this.problems.push(`${prefix}_CERT_FILE and ${prefix}_KEY_FILE go together (a client certificate and its key)`);
    }
    const given = ['CA', 'CERT', 'KEY'].some((part) => this.raw(`${prefix}_${part}_FILE`));
    return { material: { ...(ca ? { ca } : {}), ...(cert ? { cert } : {}), ...(key ? { key } : {}) }, given };
  }

  /**
   * KAFKA_SASL_MECHANISM (plain | scram-sha-256 | scram-sha-512) with KAFKA_SASL_USERNAME and
   * KAFKA_SASL_PASSWORD[_FILE]; KAFKA_TLS=true, implied by any of KAFKA_TLS_CA_FILE,
   * KAFKA_TLS_CERT_FILE, KAFKA_TLS_KEY_FILE.
   */
  kafkaSecurity(): KafkaSecurity {
    const mechanism = this.raw('KAFKA_SASL_MECHANISM')?.toLowerCase();
    const username = this.raw('KAFKA_SASL_USERNAME');
    const password = this.secret('KAFKA_SASL_PASSWORD');
    let sasl: KafkaSecurity['sasl'];
    if (mechanism) {
      if (!(KAFKA_SASL_MECHANISMS as readonly string[]).includes(mechanism)) {
        this.problems.push(
          `KAFKA_SASL_MECHANISM must be one of ${KAFKA_SASL_MECHANISMS.join(', ')}; got ${JSON.stringify(mechanism)}`,
        );
      }
      if (!username) this.problems.push(`KAFKA_SASL_USERNAME is required with KAFKA_SASL_MECHANISM`);
      if (!password)
        this.problems.push(`KAFKA_SASL_PASSWORD (or KAFKA_SASL_PASSWORD_FILE) is required with KAFKA_SASL_MECHANISM`);
      sasl = { mechanism: mechanism as KafkaSaslMechanism, username: username ?? '', password: password ?? '' };
    } else if (username || password) {
      this.problems.push(
        'KAFKA_SASL_MECHANISM is required with KAFKA_SASL_USERNAME/KAFKA_SASL_PASSWORD (plain, scram-sha-256 or scram-sha-512)',
      );
    }
    const { material, given } = this.tlsMaterial('KAFKA_TLS');
    const tlsOn = this.bool('KAFKA_TLS', given);
    if (!tlsOn && given) this.problems.push('KAFKA_TLS is false but KAFKA_TLS_*_FILE is set');
    if (sasl?.mechanism === 'plain' && !tlsOn) {
      this.problems.push('KAFKA_SASL_MECHANISM=plain sends the password in clear: it needs KAFKA_TLS');
    }
    return { ...(tlsOn ? { tls: material } : {}), ...(sasl ? { sasl } : {}) };
  }

  /**
   * REDIS_USERNAME and REDIS_PASSWORD[_FILE] (they override the user:password of REDIS_URL);
   * TLS when REDIS_URL is rediss://, with REDIS_TLS_CA_FILE, REDIS_TLS_CERT_FILE, REDIS_TLS_KEY_FILE.
   */
  redisSecurity(redisUrl: string, urlName = 'REDIS_URL'): RedisSecurity {
    let url: URL | undefined;
    try {
      url = redisUrl ? new URL(redisUrl) : undefined;
    } catch {
      url = undefined; // reported by url()
    }
    const username = this.raw('REDIS_USERNAME') ?? (url?.username ? decodeURIComponent(url.username) : undefined);
    const password = this.secret('REDIS_PASSWORD') ?? (url?.password ? decodeURIComponent(url.password) : undefined);
    if (username && !password) this.problems.push('REDIS_PASSWORD (or REDIS_PASSWORD_FILE) is required with REDIS_USERNAME');
    const { material, given } = this.tlsMaterial('REDIS_TLS');
    const tlsOn = url?.protocol === 'rediss:';
    if (given && url && !tlsOn) this.problems.push(`REDIS_TLS_*_FILE is set but ${urlName} is redis://; use rediss:// for TLS`);
    return { ...(username ? { username } : {}), ...(password ? { password } : {}), ...(tlsOn ? { tls: material } : {}) };
  }

  /** SCHEMA_REGISTRY_USERNAME with SCHEMA_REGISTRY_PASSWORD[_FILE]: HTTP basic auth; undefined when unset. */
  registryAuth(): RegistryAuth | undefined {
    const username = this.raw('SCHEMA_REGISTRY_USERNAME');
    const password = this.secret('SCHEMA_REGISTRY_PASSWORD');
    if (!username && !password) return undefined;
    if (!username || !password) {
      this.problems.push('SCHEMA_REGISTRY_USERNAME and SCHEMA_REGISTRY_PASSWORD (or _FILE) go together');
      return undefined;
    }
    return { username, password };
  }

  /** KAFKA_BROKERS, KAFKA_CLIENT_ID (default leadscore-<service>-<host>-<pid>) and the Kafka security settings. */
  kafkaSettings(service: string): KafkaSettings {
    return {
      kafkaBrokers: this.kafkaBrokers(),
      kafkaClientId: this.text('KAFKA_CLIENT_ID', `leadscore-${service}-${hostname()}-${process.pid}`),
      kafkaSecurity: this.kafkaSecurity(),
    };
  }

  /** SCHEMA_REGISTRY_URL and its credentials. */
  registrySettings(): RegistrySettings {
    return { schemaRegistryUrl: this.url('SCHEMA_REGISTRY_URL', ['http:', 'https:']), schemaRegistryAuth: this.registryAuth() };
  }

  /** REDIS_URL, REDIS_CLUSTER and the Redis security settings. */
  redisSettings(): RedisSettings {
    const redisUrl = this.url('REDIS_URL', ['redis:', 'rediss:']);
    return { redisUrl, redisCluster: this.bool('REDIS_CLUSTER', false), redisSecurity: this.redisSecurity(redisUrl) };
  }

  /** TOPIC_PREFIX, PROVISION (default true) and TOPIC_PARTITIONS (default 6). */
  topicSettings(): TopicSettings {
    return {
      topicPrefix: this.topicPrefix(),
      provision: this.bool('PROVISION', true),
      topicPartitions: this.int('TOPIC_PARTITIONS', 6, 1, 1000),
    };
  }

  /** @throws ServiceError CONFIG_INVALID with every problem, one per line. */
  done<T extends object>(config: T): Readonly<T> {
    if (this.problems.length > 0) {
      throw new ServiceError(ErrorCode.ConfigInvalid, `invalid configuration:\n  - ${this.problems.join('\n  - ')}`);
    }
    return Object.freeze(config);
  }
}
