import type { ConnectionOptions } from 'node:tls';
import type { RegistryAuth } from '@leadscore/contracts';

export type { RegistryAuth };

/**
 * How the services authenticate to Kafka, Redis and the schema registry and whether they use
 * TLS: read from the environment once (EnvReader), then handed to the client factories. The
 * secrets are held only here and in the clients: never log these objects.
 */
export const KAFKA_SASL_MECHANISMS = ['plain', 'scram-sha-256', 'scram-sha-512'] as const;
export type KafkaSaslMechanism = (typeof KAFKA_SASL_MECHANISMS)[number];

/** TLS material, PEM text (not paths): the certificate authorities to trust and an optional client certificate. */
export interface TlsMaterial {
  readonly ca?: string;
  readonly cert?: string;
  readonly key?: string;
}

export interface KafkaSecurity {
  /** TLS to the brokers; an empty object trusts the system's certificate authorities. */
  readonly tls?: TlsMaterial;
  readonly sasl?: { readonly mechanism: KafkaSaslMechanism; readonly username: string; readonly password: string };
}

export interface RedisSecurity {
  /** ACL user; the default user when absent. */
  readonly username?: string;
  readonly password?: string;
  readonly tls?: TlsMaterial;
}

/** Node's TLS options for a client that verifies the server (never switched off). */
export function tlsOptions(material: TlsMaterial): ConnectionOptions {
  return {
    ...(material.ca ? { ca: [material.ca] } : {}),
    ...(material.cert ? { cert: material.cert } : {}),
    ...(material.key ? { key: material.key } : {}),
  };
}

/** What may be said about a connection's security in logs and errors: never the secrets. */
export function describeKafkaSecurity(security: KafkaSecurity): string {
  const sasl = security.sasl ? `SASL ${security.sasl.mechanism.toUpperCase()} as user "${security.sasl.username}"` : 'no SASL';
  return `${sasl}, ${security.tls ? 'TLS' : 'no TLS'}`;
}
