import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AvroCodec, ContractError, registerTopicSchemas, topicNames } from '../src/index.js';

/**
 * A registry stand-in that only checks the Authorization header (the ccompat API itself is
 * exercised against Apicurio in test/integration/schema-registry.test.ts; Apicurio's own
 * authentication needs an OIDC server, which the local stack does not run).
 */
const EXPECTED = `Basic ${Buffer.from('api-key:api-secret').toString('base64')}`;
const seen: (string | undefined)[] = [];
let server: Server;
let url = '';

beforeAll(async () => {
  server = createServer((req: IncomingMessage, res) => {
    seen.push(req.headers.authorization);
    req.resume();
    res.setHeader('content-type', 'application/vnd.schemaregistry.v1+json');
    if (req.headers.authorization !== EXPECTED) {
      res.statusCode = 401;
      res.end(JSON.stringify({ error_code: 401, message: 'Unauthorized' }));
      return;
    }
    res.end(JSON.stringify(req.method === 'POST' ? { id: 7 } : { id: 7, version: 1, compatibility: 'BACKWARD' }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/apis/ccompat/v7`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

describe('schema registry basic authentication', () => {
  it('sends the credentials with every call when they are configured', async () => {
    seen.length = 0;
    const { ids } = await registerTopicSchemas(url, topicNames('auth'), ['behaviouralEvents'], {
      username: 'api-key',
      password: 'api-secret',
    });
    expect(ids.behaviouralEvents).toBe(7);
    expect(seen).toEqual([EXPECTED, EXPECTED]); // register, then set the compatibility
  });

  it('turns 401 into REGISTRY_AUTH_FAILED (not retriable) naming the user, never the password', async () => {
    const error = await registerTopicSchemas(url, topicNames('auth'), ['behaviouralEvents'], {
      username: 'api-key',
      password: 'wrong-secret',
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ContractError);
    expect((error as ContractError).code).toBe('REGISTRY_AUTH_FAILED');
    expect((error as ContractError).retriable).toBe(false);
    expect((error as ContractError).message).toContain('refused user "api-key" (401)');
    expect((error as ContractError).message).toContain('Check SCHEMA_REGISTRY_USERNAME and SCHEMA_REGISTRY_PASSWORD');
    expect((error as ContractError).message).not.toContain('wrong-secret');

    const anonymous = await registerTopicSchemas(url, topicNames('auth'), ['behaviouralEvents']).catch((e: unknown) => e);
    expect((anonymous as ContractError).code).toBe('REGISTRY_AUTH_FAILED');
    expect(seen.at(-1)).toBeUndefined();
  });

  it('the codec looks schema ids up with the credentials too, and says so when they are refused', async () => {
    seen.length = 0;
    const options = { registryUrl: url, topics: topicNames('auth'), register: false, kinds: ['behaviouralEvents'] as const };
    const codec = await AvroCodec.connect({ ...options, auth: { username: 'api-key', password: 'api-secret' } });
    expect(codec.schemaIds.behaviouralEvents).toBe(7);
    expect(seen).toEqual([EXPECTED]);
    const refused = await AvroCodec.connect({ ...options, auth: { username: 'api-key', password: 'wrong-secret' } }).catch(
      (e: unknown) => e,
    );
    expect((refused as ContractError).code).toBe('REGISTRY_AUTH_FAILED');
    expect((refused as ContractError).message).not.toContain('wrong-secret');
  });
});
