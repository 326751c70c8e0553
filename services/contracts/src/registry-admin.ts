import { ContractError } from './contract-error.js';
import { avroSchemaText } from './avro-schemas.js';
import { TOPIC_KINDS, valueSubject, type TopicKind, type TopicNames } from './topics.js';

/**
 * Schema registration through the Confluent REST API with plain HTTP.
 *
 * Why not the client library's `register()`: it reads and then PUTs the subject's compatibility
 * before the subject exists, which Apicurio's ccompat API answers with 404. We register first,
 * then set the subject's compatibility (see ../shared/notes/pitfalls.md).
 */
export type Compatibility = 'BACKWARD' | 'BACKWARD_TRANSITIVE' | 'FORWARD' | 'FULL' | 'NONE';

export interface RegisteredSchemas {
  /** schema id per topic kind, looked up once at start-up */
  readonly ids: Readonly<Record<TopicKind, number>>;
}

const CONTENT_TYPE = 'application/vnd.schemaregistry.v1+json';

async function registryCall(url: string, init: RequestInit): Promise<unknown> {
  let response: Response;
  try {
    response = await fetch(url, {
      ...init,
      headers: { 'content-type': CONTENT_TYPE, accept: CONTENT_TYPE },
      signal: AbortSignal.timeout(10_000),
    });
  } catch (error) {
    throw new ContractError('REGISTRY_UNREACHABLE', `schema registry unreachable at ${url}`, true, { cause: error });
  }
  const text = await response.text();
  const body: unknown = text ? safeJson(text) : undefined;
  if (response.ok) return body;
  const detail = typeof body === 'object' && body && 'message' in body ? String(body.message) : text.slice(0, 300);
  if (response.status === 409) {
    throw new ContractError('SCHEMA_INCOMPATIBLE', `schema registry refused an incompatible schema: ${detail}`, false);
  }
  throw new ContractError(
    'REGISTRY_REJECTED',
    `schema registry answered ${response.status} to ${init.method ?? 'GET'} ${url}: ${detail}`,
    response.status >= 500,
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
export async function registerSchema(registryUrl: string, subject: string, schema: string): Promise<number> {
  const body = await registryCall(`${trimSlash(registryUrl)}/subjects/${encodeURIComponent(subject)}/versions`, {
    method: 'POST',
    body: JSON.stringify({ schema, schemaType: 'AVRO' }),
  });
  const id = (body as { id?: unknown } | undefined)?.id;
  if (typeof id !== 'number') {
    throw new ContractError('REGISTRY_REJECTED', `schema registry gave no id for subject ${subject}`, false);
  }
  return id;
}

export async function setSubjectCompatibility(registryUrl: string, subject: string, level: Compatibility): Promise<void> {
  await registryCall(`${trimSlash(registryUrl)}/config/${encodeURIComponent(subject)}`, {
    method: 'PUT',
    body: JSON.stringify({ compatibility: level }),
  });
}

export async function getSubjectCompatibility(registryUrl: string, subject: string): Promise<string | undefined> {
  const body = (await registryCall(`${trimSlash(registryUrl)}/config/${encodeURIComponent(subject)}`, { method: 'GET' })) as
    | { compatibilityLevel?: string; compatibility?: string }
    | undefined;
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
): Promise<RegisteredSchemas> {
  const ids = {} as Record<TopicKind, number>;
  for (const kind of kinds) {
    const subject = valueSubject(topics[kind]);
    ids[kind] = await registerSchema(registryUrl, subject, avroSchemaText(kind));
    await setSubjectCompatibility(registryUrl, subject, 'BACKWARD');
  }
  return { ids };
}

function trimSlash(url: string): string {
  return url.replace(/\/+$/, '');
}
