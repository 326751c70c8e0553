import { ErrorCode } from '@leadscore/errors';
import { ContractError } from './contract-error.js';
import { avroSchemaText } from './avro-schemas.js';
import { TOPIC_KINDS, valueSubject, type TopicKind, type TopicNames } from './topics.js';

/**
 * Schema registration through the Confluent REST API with plain HTTP.
 *
 * Why not the client library's `register()`: it reads and then PUTs the subject's compatibility
 * before the subject exists, which Apicurio's ccompat API answers with 404. We register first,
 * then set the subject's compatibility.
 */
export type Compatibility = 'BACKWARD' | 'BACKWARD_TRANSITIVE' | 'FORWARD' | 'FULL' | 'NONE';

export interface RegisteredSchemas {
  /** schema id per topic kind, looked up once at start-up */
  readonly ids: Readonly<Record<TopicKind, number>>;
}

/** HTTP basic credentials of the schema registry (SCHEMA_REGISTRY_USERNAME / SCHEMA_REGISTRY_PASSWORD). */
export interface RegistryAuth {
  readonly username: string;
  readonly password: string;
}

const CONTENT_TYPE = 'application/vnd.schemaregistry.v1+json';

export function basicAuthorization(auth: RegistryAuth): string {
  return `Basic ${Buffer.from(`${auth.username}:${auth.password}`, 'utf8').toString('base64')}`;
}

/**
 * What a 409 means depends on the call: on a schema registration the registry refused an
 * incompatible schema; on a config write it is a write conflict (REGISTRY_CONFLICT).
 */
type ConflictMeaning = typeof ErrorCode.SchemaIncompatible | typeof ErrorCode.RegistryConflict;

async function registryCall(
  url: string,
  init: RequestInit,
  auth: RegistryAuth | undefined,
  conflict: ConflictMeaning = ErrorCode.SchemaIncompatible,
): Promise<unknown> {
  let response: Response;
  try {
    response = await fetch(url, {
      ...init,
      headers: {
        'content-type': CONTENT_TYPE,
        accept: CONTENT_TYPE,
        ...(auth ? { authorization: basicAuthorization(auth) } : {}),
      },
      signal: AbortSignal.timeout(10_000),
    });
  } catch (error) {
    throw new ContractError(ErrorCode.RegistryUnreachable, `schema registry unreachable at ${url}`, { cause: error });
  }
  const text = await response.text();
  const body: unknown = text ? safeJson(text) : undefined;
  if (response.ok) return body;
  const detail = typeof body === 'object' && body && 'message' in body ? String(body.message) : text.slice(0, 300);
  if (response.status === 401 || response.status === 403) {
    throw new ContractError(
      ErrorCode.RegistryAuthFailed,
      `schema registry refused ${auth ? `user "${auth.username}"` : 'an anonymous request'} (${response.status}) at ${url}: ${detail}. Check SCHEMA_REGISTRY_USERNAME and SCHEMA_REGISTRY_PASSWORD.`,
    );
  }
  if (response.status === 409 && conflict === ErrorCode.SchemaIncompatible) {
    throw new ContractError(ErrorCode.SchemaIncompatible, `schema registry refused an incompatible schema: ${detail}`);
  }
  if (response.status === 409) {
    throw new ContractError(
      ErrorCode.RegistryConflict,
      `schema registry answered 409 to ${init.method ?? 'GET'} ${url}: ${detail}`,
    );
  }
  throw new ContractError(
    ErrorCode.RegistryRejected,
    `schema registry answered ${response.status} to ${init.method ?? 'GET'} ${url}: ${detail}`,
    { retriable: response.status >= 500 },
  );
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** Registers (or finds, if identical) a schema under a subject; returns its global id. */
export async function registerSchema(registryUrl: string, subject: string, schema: string, auth?: RegistryAuth): Promise<number> {
  const body = await registryCall(
    `${trimSlash(registryUrl)}/subjects/${encodeURIComponent(subject)}/versions`,
    {
      method: 'POST',
      body: JSON.stringify({ schema, schemaType: 'AVRO' }),
    },
    auth,
  );
  const id = (body as { id?: unknown } | undefined)?.id;
  if (typeof id !== 'number') {
    throw new ContractError(ErrorCode.RegistryRejected, `schema registry gave no id for subject ${subject}`);
  }
  return id;
}

export async function setSubjectCompatibility(
  registryUrl: string,
  subject: string,
  level: Compatibility,
  auth?: RegistryAuth,
): Promise<void> {
  const put = () =>
    registryCall(
      `${trimSlash(registryUrl)}/config/${encodeURIComponent(subject)}`,
      {
        method: 'PUT',
        body: JSON.stringify({ compatibility: level }),
      },
      auth,
      ErrorCode.RegistryConflict,
    );
  try {
    await put();
  } catch (error) {
    // Apicurio creates a subject's COMPATIBILITY rule on its first config PUT. Services that
    // provision the same new subject at the same moment race on that creation, and the losers get
    // 409 "A rule named 'COMPATIBILITY' already exists". The rule exists now, so a second PUT
    // is an update and sets the level this caller asked for.
    if (!(error instanceof ContractError && error.code === ErrorCode.RegistryConflict)) throw error;
    await put();
  }
}

export async function getSubjectCompatibility(
  registryUrl: string,
  subject: string,
  auth?: RegistryAuth,
): Promise<string | undefined> {
  const body = (await registryCall(
    `${trimSlash(registryUrl)}/config/${encodeURIComponent(subject)}`,
    { method: 'GET' },
    auth,
  )) as { compatibilityLevel?: string; compatibility?: string } | undefined;
  return body?.compatibilityLevel ?? body?.compatibility;
}

/**
 * Registers every topic's value schema under `<topic>-value` and sets BACKWARD compatibility on
 * each subject, so a later incompatible change is refused by the registry. Idempotent.
 */
export async function registerTopicSchemas(
  registryUrl: string,
  topics: TopicNames,
  kinds: readonly TopicKind[] = TOPIC_KINDS,
  auth?: RegistryAuth,
): Promise<RegisteredSchemas> {
  const ids = {} as Record<TopicKind, number>;
  for (const kind of kinds) {
    const subject = valueSubject(topics[kind]);
    ids[kind] = await registerSchema(registryUrl, subject, avroSchemaText(kind), auth);
    await setSubjectCompatibility(registryUrl, subject, 'BACKWARD', auth);
  }
  return { ids };
}

function trimSlash(url: string): string {
  return url.replace(/\/+$/, '');
}
