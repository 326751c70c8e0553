import { EventEmitter } from 'node:events';
import type { Server } from 'node:http';
import type { Kafka, Producer } from 'kafkajs';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { topicNames, type AvroCodec, type AvroCodecOptions } from '@leadscore/contracts';
import {
  connectProducer,
  Readiness,
  StreamRuntime,
  type ChunkedConsumerOptions,
  type RedisClient,
  type RedisSettings,
  type RuntimeConnections,
  type ServiceParts,
  type StreamStep,
} from '../src/index.js';

const topics = topicNames('rt');
const redisSettings: RedisSettings = { redisUrl: 'redis://fake:6379', redisCluster: false, redisSecurity: {} };
const streamStep = (provision = true): StreamStep => ({
  settings: {
    kafkaBrokers: ['fake:9092'],
    kafkaClientId: 'runtime-test',
    kafkaSecurity: {},
    schemaRegistryUrl: 'http://fake:8081',
    schemaRegistryAuth: undefined,
    topicPrefix: 'rt',
    provision,
    topicPartitions: 3,
  },
  topics,
  kinds: ['thresholdCrossed'],
});

/** Connections that record what the runtime asks of them; `fail` makes one step throw. */
class FakeConnections implements RuntimeConnections {
  readonly calls: string[] = [];
  readonly codecOptions: AvroCodecOptions[] = [];
  readonly consumerOptions: ChunkedConsumerOptions[] = [];
  /** A step that, once entered, waits for `release` before it resolves. */
  hold?: { step: string; entered: () => void; release: Promise<void> };

  constructor(private readonly fail?: string) {}

  private async record<T>(step: string, value: T): Promise<T> {
    this.calls.push(step);
    if (this.hold?.step === step) {
      this.hold.entered();
      await this.hold.release;
    }
    if (this.fail === step) throw new Error(`${step} failed`);
    return value;
  }

  listenOps = () => this.record('ops:listen', { port: 41234, stop: async () => void this.calls.push('ops:close') });
  connectRedis = () => this.record('redis:connect', {} as RedisClient);
  quitRedis = async () => void this.calls.push('redis:quit');
  connectKafka = () => this.record('kafka:connect', {} as Kafka);
  provisionTopics = () => this.record('provision', undefined);
  connectCodec = (options: AvroCodecOptions) => {
    this.codecOptions.push(options);
    return this.record('codec', {} as AvroCodec);
  };
  connectProducer = () =>
    this.record('producer:connect', { disconnect: async () => void this.calls.push('producer:disconnect') } as Producer);
  createConsumer = (_kafka: Kafka, _handler: unknown, options: ChunkedConsumerOptions) => {
    this.consumerOptions.push(options);
    return {
      start: () => this.record('consumer:start', undefined),
      stop: async () => void this.calls.push('consumer:stop'),
    };
  };
}

/** A door that records its listen and close. */
function fakeDoor(calls: string[]): NonNullable<ServiceParts['door']> {
  return {
    app: {
      listen: async () => calls.push('door:listen'),
      close: async () => calls.push('door:close'),
      server: { address: () => ({ port: 45678 }) } as unknown as Server,
    },
    port: 0,
    host: '127.0.0.1',
  };
}

const consumerPart = {
  handler: async () => undefined,
  groupId: 'g',
  topics: [topics.thresholdCrossed],
  chunkSize: 10,
  partitionsConsumedConcurrently: 1,
  sessionTimeoutMs: 6_000,
};

/** A runtime with every step, whose own parts record into the same call list. */
function fullRuntime(connections: FakeConnections, extra: Partial<ServiceParts> = {}) {
  const { calls } = connections;
  return new StreamRuntime<RedisSettings, StreamStep>({
    name: 'test service',
    logger: pino({ level: 'silent' }),
    registry: new Registry(),
    opsPort: 0,
    redis: redisSettings,
    stream: streamStep(),
    connections,
    parts: ({ redis, stream }) => {
      calls.push(`parts(${typeof redis}, ${typeof stream.sender})`);
      return {
        consumer: consumerPart,
        door: fakeDoor(calls),
        start: () => void calls.push('own:start'),
        stop: () => void calls.push('own:stop'),
        ...extra,
      };
    },
  });
}

const START_ORDER = [
  'ops:listen',
  'redis:connect',
  'kafka:connect',
  'provision',
  'codec',
  'producer:connect',
  'parts(object, object)',
  'consumer:start',
  'door:listen',
  'own:start',
];

const STOP_ORDER = ['own:stop', 'door:close', 'consumer:stop', 'producer:disconnect', 'redis:quit', 'ops:close'];

describe('StreamRuntime', () => {
  it('starts in one order: ops server, Redis, Kafka, provisioning, codec, producer, own parts, consumer, door, own start', async () => {
    const connections = new FakeConnections();
    const runtime = fullRuntime(connections);
    await runtime.start();
    expect(connections.calls).toEqual(START_ORDER);
    expect(connections.codecOptions[0]).toMatchObject({ register: true, kinds: ['thresholdCrossed'], topics });
    expect(runtime.httpPort).toBe(45678); // the door's bound port
  });

  it('stops in reverse order', async () => {
    const connections = new FakeConnections();
    const runtime = fullRuntime(connections);
    await runtime.start();
    connections.calls.length = 0;
    await runtime.stop();
    expect(connections.calls).toEqual(STOP_ORDER);
  });

  it('stops once, however often and however concurrently stop is called', async () => {
    const connections = new FakeConnections();
    let endOwnStop!: () => void;
    const runtime = fullRuntime(connections, {
      stop: () => {
        connections.calls.push('own:stop');
        return new Promise<void>((resolve) => (endOwnStop = resolve));
      },
    });
    await runtime.start();
    connections.calls.length = 0;
    let secondDone = false;
    const first = runtime.stop();
    const second = runtime.stop().then(() => (secondDone = true));
    await new Promise((resolve) => setImmediate(resolve));
    // a second stop neither runs the next stops beside the first nor resolves before it ends
    expect(connections.calls).toEqual(['own:stop']);
    expect(secondDone).toBe(false);
    endOwnStop();
    await Promise.all([first, second]);
    await runtime.stop();
    expect(connections.calls).toEqual(STOP_ORDER);
  });

  it('reports startup as starting until start ends, then ready, then stopping', async () => {
    const connections = new FakeConnections();
    const seen: Record<string, string>[] = [];
    const runtime: StreamRuntime<RedisSettings, StreamStep> = fullRuntime(connections, {
      start: () => void seen.push(runtime.readiness.report()),
      stop: () => void seen.push(runtime.readiness.report()),
    });
    expect(runtime.readiness.report()).toEqual({ startup: 'starting' });
    await runtime.start();
    expect(seen).toEqual([{ startup: 'starting' }]);
    expect(runtime.readiness.ready).toBe(true);
    await runtime.stop();
    expect(seen[1]).toEqual({ startup: 'stopping' });
    expect(runtime.readiness.ready).toBe(false);
  });

  it('a failing step stops what was started before it, and start rejects with its error', async () => {
    const connections = new FakeConnections('codec');
    const runtime = fullRuntime(connections);
    await expect(runtime.start()).rejects.toThrow('codec failed');
    expect(connections.calls).toEqual([
      'ops:listen',
      'redis:connect',
      'kafka:connect',
      'provision',
      'codec',
      'redis:quit',
      'ops:close',
    ]);
    expect(runtime.readiness.report()).toEqual({ startup: 'start-up failed' });
    connections.calls.length = 0;
    await runtime.stop(); // what runService does after a failed start: nothing is left to stop
    expect(connections.calls).toEqual([]);
  });

  it('a consumer that fails to start is still stopped (it may have joined), then the producer and the rest', async () => {
    const connections = new FakeConnections('consumer:start');
    await expect(fullRuntime(connections).start()).rejects.toThrow('consumer:start failed');
    expect(connections.calls.slice(START_ORDER.indexOf('consumer:start'))).toEqual([
      'consumer:start',
      'consumer:stop',
      'producer:disconnect',
      'redis:quit',
      'ops:close',
    ]);
  });

  it('a stop during start-up lets the running step finish, runs no further step, and unwinds', async () => {
    const connections = new FakeConnections();
    let release!: () => void;
    const entered = new Promise<void>((entered) => {
      connections.hold = { step: 'kafka:connect', entered, release: new Promise((resolve) => (release = resolve)) };
    });
    const runtime = fullRuntime(connections);
    const starting = runtime.start();
    await entered;
    const stopping = runtime.stop();
    release();
    await starting; // resolves: the stop was asked for
    await stopping;
    expect(connections.calls).toEqual(['ops:listen', 'redis:connect', 'kafka:connect', 'redis:quit', 'ops:close']);
  });

  it('keeps stopping the other parts when one fails to stop, and rejects with that failure', async () => {
    const connections = new FakeConnections();
    const runtime = fullRuntime(connections, {
      stop: () => {
        throw new Error('own stop failed');
      },
    });
    await runtime.start();
    connections.calls.length = 0;
    await expect(runtime.stop()).rejects.toThrow('own stop failed');
    expect(connections.calls).toEqual(STOP_ORDER.slice(1));
  });

  it('skips what the service does not ask for: no provisioning when off, no Redis, no Kafka', async () => {
    const withoutProvisioning = new FakeConnections();
    await new StreamRuntime<undefined, StreamStep>({
      name: 'door only',
      logger: pino({ level: 'silent' }),
      registry: new Registry(),
      redis: undefined,
      stream: streamStep(false),
      connections: withoutProvisioning,
      parts: () => ({ door: fakeDoor(withoutProvisioning.calls) }),
    }).start();
    expect(withoutProvisioning.calls).toEqual(['kafka:connect', 'codec', 'producer:connect', 'door:listen']);
    expect(withoutProvisioning.codecOptions[0]?.register).toBe(false);

    const redisOnly = new FakeConnections();
    const parts: unknown[] = [];
    await new StreamRuntime<RedisSettings, StreamStep | undefined>({
      name: 'redis only',
      logger: pino({ level: 'silent' }),
      registry: new Registry(),
      opsPort: 0,
      redis: redisSettings,
      stream: undefined,
      connections: redisOnly,
      parts: (context) => {
        parts.push(context.stream);
        return {};
      },
    }).start();
    expect(redisOnly.calls).toEqual(['ops:listen', 'redis:connect']);
    expect(parts).toEqual([undefined]);
  });

  it('a consumer without the Kafka side is refused with RUNTIME_NO_STREAM, and what started is stopped', async () => {
    const connections = new FakeConnections();
    const runtime = new StreamRuntime<RedisSettings, undefined>({
      name: 'misconfigured',
      logger: pino({ level: 'silent' }),
      registry: new Registry(),
      redis: redisSettings,
      stream: undefined,
      connections,
      parts: () => ({ consumer: consumerPart }),
    });
    await expect(runtime.start()).rejects.toMatchObject({ code: 'RUNTIME_NO_STREAM' });
    expect(connections.calls).toEqual(['redis:connect', 'redis:quit']);
  });

  it("passes the consumer's settings through and its fatal crash to onFatal", async () => {
    const connections = new FakeConnections();
    const fatal: Error[] = [];
    await new StreamRuntime<undefined, StreamStep>({
      name: 'consumer',
      logger: pino({ level: 'silent' }),
      registry: new Registry(),
      redis: undefined,
      stream: streamStep(),
      connections,
      onFatal: (error) => fatal.push(error),
      parts: () => ({ consumer: consumerPart }),
    }).start();
    const options = connections.consumerOptions[0]!;
    expect(options).toMatchObject({ groupId: 'g', topics: [topics.thresholdCrossed], chunkSize: 10 });
    options.onFatal(new Error('gave up'));
    expect(fatal.map((e) => e.message)).toEqual(['gave up']);
  });
});

describe('StreamRuntime with several consumer groups', () => {
  it('starts every consumer group in order (each with its own readiness key) and stops them all', async () => {
    const connections = new FakeConnections();
    const runtime = fullRuntime(connections, {
      consumer: undefined,
      consumers: [
        { ...consumerPart, groupId: 'members', readinessKey: 'consumer:members' },
        { ...consumerPart, groupId: 'accounts', readinessKey: 'consumer:accounts' },
      ],
    });
    await runtime.start();
    expect(connections.consumerOptions.map((o) => [o.groupId, o.readinessKey])).toEqual([
      ['members', 'consumer:members'],
      ['accounts', 'consumer:accounts'],
    ]);
    expect(connections.calls.filter((c) => c.startsWith('consumer:'))).toEqual(['consumer:start', 'consumer:start']);
    await runtime.stop();
    expect(connections.calls.filter((c) => c.startsWith('consumer:'))).toEqual([
      'consumer:start',
      'consumer:start',
      'consumer:stop',
      'consumer:stop',
    ]);
  });
});

describe('connectProducer', () => {
  it('creates an idempotent producer and reports it under producer: connecting, connected, disconnected', async () => {
    const readiness = new Readiness();
    const events = { CONNECT: 'producer.connect', DISCONNECT: 'producer.disconnect' };
    const emitter = new EventEmitter();
    const configs: unknown[] = [];
    const reports: Record<string, string>[] = [];
    const producer = {
      events,
      on: (event: string, listener: () => void) => emitter.on(event, listener),
      connect: async () => {
        reports.push(readiness.report());
        emitter.emit(events.CONNECT);
      },
    };
    const kafka = {
      producer: (config: unknown) => {
        configs.push(config);
        return producer;
      },
    } as unknown as Kafka;
    await connectProducer(kafka, readiness);
    expect(configs[0]).toMatchObject({ idempotent: true });
    expect(reports).toEqual([{ producer: 'connecting' }]);
    expect(readiness.ready).toBe(true);
    emitter.emit(events.DISCONNECT);
    expect(readiness.report()).toEqual({ producer: 'disconnected' });
  });
});
