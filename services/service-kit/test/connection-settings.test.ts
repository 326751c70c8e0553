import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EnvReader, ServiceError } from '../src/index.js';

const dir = mkdtempSync(join(tmpdir(), 'leadscore-kit-'));
const file = (name: string, text: string): string => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};
const PEM = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';
const caFile = file('ca.crt', PEM);
const certFile = file('client.crt', PEM);
const keyFile = file('client.key', '-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----\n');
const passwordFile = file('password', 's3cret-from-file\n');

/** Runs `read` against env and returns the value and the problems the reader collected. */
function readWith<T>(env: Record<string, string>, read: (reader: EnvReader) => T): { value: T; problems: string[] } {
  const reader = new EnvReader(env);
  return { value: read(reader), problems: reader.problems };
}

describe('Kafka security from the environment', () => {
  it('is off (no SASL, no TLS) when nothing is set', () => {
    expect(readWith({}, (r) => r.kafkaSecurity())).toEqual({ value: {}, problems: [] });
  });

  it('reads a SCRAM login with the password from a mounted file, and TLS implied by the CA file', () => {
    const { value, problems } = readWith(
      {
        KAFKA_SASL_MECHANISM: 'SCRAM-SHA-512',
        KAFKA_SASL_USERNAME: 'leadscore',
        KAFKA_SASL_PASSWORD_FILE: passwordFile,
        KAFKA_TLS_CA_FILE: caFile,
      },
      (r) => r.kafkaSecurity(),
    );
    expect(problems).toEqual([]);
    expect(value).toEqual({
      sasl: { mechanism: 'scram-sha-512', username: 'leadscore', password: 's3cret-from-file' },
      tls: { ca: PEM },
    });
  });

  it('turns TLS on with the system authorities (KAFKA_TLS=true) and takes a client certificate', () => {
    expect(readWith({ KAFKA_TLS: 'true' }, (r) => r.kafkaSecurity()).value).toEqual({ tls: {} });
    const mtls = readWith({ KAFKA_TLS_CERT_FILE: certFile, KAFKA_TLS_KEY_FILE: keyFile }, (r) => r.kafkaSecurity());
    expect(mtls.problems).toEqual([]);
    expect(mtls.value.tls).toEqual({ cert: PEM, key: expect.stringContaining('PRIVATE KEY') });
  });

  it('names every mistake, without ever printing a password', () => {
    const { problems } = readWith(
      {
        KAFKA_SASL_MECHANISM: 'gssapi',
        KAFKA_SASL_PASSWORD: 'inline-secret',
        KAFKA_SASL_PASSWORD_FILE: passwordFile,
        KAFKA_TLS_CERT_FILE: certFile,
        KAFKA_TLS_CA_FILE: join(dir, 'missing.crt'),
      },
      (r) => r.kafkaSecurity(),
    );
    const text = problems.join('\n');
    expect(text).toContain('KAFKA_SASL_MECHANISM must be one of plain, scram-sha-256, scram-sha-512; got "gssapi"');
    expect(text).toContain('set KAFKA_SASL_PASSWORD or KAFKA_SASL_PASSWORD_FILE, not both');
    expect(text).toContain('KAFKA_SASL_USERNAME is required with KAFKA_SASL_MECHANISM');
    expect(text).toContain('KAFKA_TLS_CERT_FILE and KAFKA_TLS_KEY_FILE go together');
    expect(text).toMatch(/KAFKA_TLS_CA_FILE: cannot read .*missing\.crt \(ENOENT\)/);
    expect(text).not.toContain('inline-secret');
    expect(text).not.toContain('s3cret-from-file');
  });

  it('refuses PLAIN without TLS (the password would cross the network in clear) and a login without a mechanism', () => {
    const plain = readWith({ KAFKA_SASL_MECHANISM: 'plain', KAFKA_SASL_USERNAME: 'u', KAFKA_SASL_PASSWORD: 'p' }, (r) =>
      r.kafkaSecurity(),
    );
    expect(plain.problems).toEqual(['KAFKA_SASL_MECHANISM=plain sends the password in clear: it needs KAFKA_TLS']);
    const noMechanism = readWith({ KAFKA_SASL_USERNAME: 'u', KAFKA_SASL_PASSWORD: 'p' }, (r) => r.kafkaSecurity());
    expect(noMechanism.problems.join()).toContain('KAFKA_SASL_MECHANISM is required');
  });

  it('rejects a file that is not PEM', () => {
    const notPem = file('ca.der', 'binary-ish');
    expect(readWith({ KAFKA_TLS_CA_FILE: notPem }, (r) => r.kafkaSecurity()).problems).toEqual([
      `KAFKA_TLS_CA_FILE: ${notPem} is not a PEM file`,
    ]);
  });
});

describe('Redis security from the environment', () => {
  it('takes the user and password of the URL, and lets REDIS_USERNAME / REDIS_PASSWORD_FILE override them', () => {
    expect(readWith({}, (r) => r.redisSecurity('redis://app:p%40ss@127.0.0.1:6379')).value).toEqual({
      username: 'app',
      password: 'p@ss',
    });
    const { value, problems } = readWith({ REDIS_USERNAME: 'leadscore', REDIS_PASSWORD_FILE: passwordFile }, (r) =>
      r.redisSecurity('redis://app:old@127.0.0.1:6379'),
    );
    expect(problems).toEqual([]);
    expect(value).toEqual({ username: 'leadscore', password: 's3cret-from-file' });
  });

  it('uses TLS for rediss:// (with the CA file) and refuses TLS files with a plain redis:// URL', () => {
    expect(readWith({ REDIS_TLS_CA_FILE: caFile }, (r) => r.redisSecurity('rediss://127.0.0.1:6380')).value).toEqual({
      tls: { ca: PEM },
    });
    expect(readWith({}, (r) => r.redisSecurity('rediss://127.0.0.1:6380')).value).toEqual({ tls: {} });
    expect(readWith({ REDIS_TLS_CA_FILE: caFile }, (r) => r.redisSecurity('redis://127.0.0.1:6379')).problems).toEqual([
      'REDIS_TLS_*_FILE is set but REDIS_URL is redis://; use rediss:// for TLS',
    ]);
  });

  it('needs a password for an ACL user', () => {
    expect(readWith({ REDIS_USERNAME: 'leadscore' }, (r) => r.redisSecurity('redis://127.0.0.1:6379')).problems).toEqual([
      'REDIS_PASSWORD (or REDIS_PASSWORD_FILE) is required with REDIS_USERNAME',
    ]);
  });
});

describe('schema registry credentials from the environment', () => {
  it('are a username with a password, or nothing', () => {
    expect(readWith({}, (r) => r.registryAuth())).toEqual({ value: undefined, problems: [] });
    expect(
      readWith({ SCHEMA_REGISTRY_USERNAME: 'key', SCHEMA_REGISTRY_PASSWORD_FILE: passwordFile }, (r) => r.registryAuth()).value,
    ).toEqual({
      username: 'key',
      password: 's3cret-from-file',
    });
    expect(readWith({ SCHEMA_REGISTRY_USERNAME: 'key' }, (r) => r.registryAuth()).problems).toEqual([
      'SCHEMA_REGISTRY_USERNAME and SCHEMA_REGISTRY_PASSWORD (or _FILE) go together',
    ]);
  });

  it('make done() throw CONFIG_INVALID listing them', () => {
    const reader = new EnvReader({ SCHEMA_REGISTRY_USERNAME: 'key' });
    reader.registryAuth();
    expect(() => reader.done({})).toThrow(ServiceError);
    expect(() => reader.done({})).toThrow(/SCHEMA_REGISTRY_USERNAME and SCHEMA_REGISTRY_PASSWORD/);
  });
});
