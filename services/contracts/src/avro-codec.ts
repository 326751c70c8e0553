import { SchemaRegistry, SchemaType } from '@kafkajs/confluent-schema-registry';
import avro from 'avsc';
import { ErrorCode } from '@leadscore/errors';
import { ContractError } from './contract-error.js';
import { avroSchemaText } from './avro-schemas.js';
import { registerTopicSchemas, type RegistryAuth } from './registry-admin.js';
import { valueSubject, type TopicKind, type TopicNames } from './topics.js';

/** Confluent wire format: magic byte 0, 4-byte big-endian schema id, Avro binary payload. */
const MAGIC_BYTE = 0;
const HEADER_BYTES = 5;

export interface AvroCodecOptions {
  registryUrl: string;
  topics: TopicNames;
  /** register our schemas (and set BACKWARD compatibility) before use; else look their ids up */
  register?: boolean;
  /** only these topic kinds are needed by the caller */
  kinds?: readonly TopicKind[];
  /** HTTP basic credentials, when the registry asks for them */
  auth?: RegistryAuth | undefined;
}

/**
 * Encodes and decodes topic values in the Confluent wire format through the schema registry.
 *
 * Schema ids of our own schemas are looked up once, at `connect`. Decoding resolves whatever
 * schema the writer used into our reader schema (schema evolution), with one resolver per
 * writer id cached for the life of the codec: per-message work is one buffer parse.
 */
export class AvroCodec {
  private readonly readerTypes = new Map<TopicKind, avro.Type>();
  private readonly resolvers = new Map<
    string,
    { reader: avro.Type; resolver: ReturnType<avro.Type['createResolver']> | undefined }
  >();

  private constructor(
    private readonly registry: SchemaRegistry,
    readonly schemaIds: Readonly<Partial<Record<TopicKind, number>>>,
  ) {}

  static async connect(options: AvroCodecOptions): Promise<AvroCodec> {
    // avsc options are fixed here, once: the library caches a schema by id forever and ignores
    // later per-call options. Longs map to JS numbers (safe below 2^53: epoch ms and scores).
    const registry = new SchemaRegistry(
      {
        host: options.registryUrl.replace(/\/+$/, ''),
        retry: { retries: 3 },
        ...(options.auth ? { auth: { ...options.auth } } : {}),
      },
      { [SchemaType.AVRO]: {} },
    );
    const kinds = options.kinds ?? (Object.keys(options.topics) as TopicKind[]);
    let ids: Partial<Record<TopicKind, number>>;
    if (options.register) {
      ids = (await registerTopicSchemas(options.registryUrl, options.topics, kinds, options.auth)).ids;
    } else {
      ids = {};
      for (const kind of kinds) {
        try {
          ids[kind] = await registry.getLatestSchemaId(valueSubject(options.topics[kind]));
        } catch (error) {
          const status = (error as { status?: unknown }).status;
          if (status === 401 || status === 403) {
            throw new ContractError(
              ErrorCode.RegistryAuthFailed,
              `schema registry refused ${options.auth ? `user "${options.auth.username}"` : 'an anonymous request'} (${status}). Check SCHEMA_REGISTRY_USERNAME and SCHEMA_REGISTRY_PASSWORD.`,
              { cause: error },
            );
          }
          throw new ContractError(
            ErrorCode.UnknownSchema,
            `no schema registered under ${valueSubject(options.topics[kind])}; run schema registration first`,
            { cause: error, retriable: true },
          );
        }
      }
    }
    return new AvroCodec(registry, Object.freeze(ids));
  }

  /** Encodes a value of a topic kind with our registered schema. Throws ENCODE_FAILED with the invalid paths. */
  async encode(kind: TopicKind, value: unknown): Promise<Buffer> {
    const id = this.schemaIds[kind];
    if (id === undefined) throw new ContractError(ErrorCode.UnknownSchema, `codec was not connected for ${kind}`);
    const type = this.readerType(kind);
    let payload: Buffer;
    try {
      payload = type.toBuffer(value);
    } catch (error) {
      const paths: string[] = [];
      type.isValid(value, { errorHook: (path) => paths.push(path.join('.') || '(root)') });
      throw new ContractError(ErrorCode.EncodeFailed, `cannot encode ${kind}: invalid at ${paths.join(', ') || 'unknown path'}`, {
        cause: error,
      });
    }
    const header = Buffer.alloc(HEADER_BYTES);
    header.writeUInt8(MAGIC_BYTE, 0);
    header.writeInt32BE(id, 1);
    return Buffer.concat([header, payload]);
  }

  /**
   * Decodes a value written with any registered schema into the reader shape of `kind`.
   * Throws UNDECODABLE (bad framing or bytes) or UNKNOWN_SCHEMA (the id is not in the registry).
   */
  async decode<T = unknown>(kind: TopicKind, buffer: Buffer | null): Promise<T> {
    if (!buffer || buffer.length < HEADER_BYTES || buffer.readUInt8(0) !== MAGIC_BYTE) {
      throw new ContractError(ErrorCode.Undecodable, 'value is not in the Confluent wire format (magic byte 0 + schema id)');
    }
    const writerId = buffer.readInt32BE(1);
    // The cached resolver is taken synchronously: an await per message costs a promise and a tick.
    const { reader, resolver } = this.resolvers.get(`${kind}:${writerId}`) ?? (await this.resolverFor(kind, writerId));
    try {
      return reader.fromBuffer(buffer.subarray(HEADER_BYTES), resolver) as T;
    } catch (error) {
      throw new ContractError(
        ErrorCode.Undecodable,
        `value does not decode with schema id ${writerId}: ${(error as Error).message}`,
        { cause: error },
      );
    }
  }

  private readerType(kind: TopicKind): avro.Type {
    let type = this.readerTypes.get(kind);
    if (!type) {
      type = avro.Type.forSchema(JSON.parse(avroSchemaText(kind)) as avro.Schema);
      this.readerTypes.set(kind, type);
    }
    return type;
  }

  private async resolverFor(kind: TopicKind, writerId: number) {
    const key = `${kind}:${writerId}`;
    const cached = this.resolvers.get(key);
    if (cached) return cached;
    let writer: avro.Type;
    try {
      writer = (await this.registry.getSchema(writerId)) as unknown as avro.Type;
    } catch (error) {
      const status = (error as { status?: number }).status;
      const retriable = status === undefined || status >= 500;
      throw new ContractError(
        retriable ? ErrorCode.RegistryUnreachable : ErrorCode.UnknownSchema,
        retriable ? `schema registry did not answer for schema id ${writerId}` : `schema id ${writerId} is not in the registry`,
        { cause: error },
      );
    }
    const reader = this.readerType(kind);
    let entry;
    try {
      entry = { reader, resolver: reader.equals(writer) ? undefined : reader.createResolver(writer) };
    } catch (error) {
      throw new ContractError(
        ErrorCode.Undecodable,
        `schema id ${writerId} cannot be read as ${kind}: ${(error as Error).message}`,
        { cause: error },
      );
    }
    this.resolvers.set(key, entry);
    return entry;
  }
}
