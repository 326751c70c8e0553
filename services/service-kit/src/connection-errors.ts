/** What the Kafka and Redis connection errors have in common: TLS failures, and the chain of wrapped errors. */
export const TLS_FAILURE = /certificate|self[- ]signed|SSL|TLS|handshake/i;
export const TLS_CODES = new Set([
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_HAS_EXPIRED',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'ERR_SSL_WRONG_VERSION_NUMBER',
]);

/** A TLS alert from the server about our certificate (bad, unknown, missing), not our verdict on its certificate. */
export function refusedOurCertificate(link: { message: string; code?: string }): boolean {
  return (
    /ALERT_(BAD_CERTIFICATE|CERTIFICATE_UNKNOWN|CERTIFICATE_REQUIRED|UNKNOWN_CA)/.test(link.code ?? '') ||
    /alert (bad certificate|certificate unknown|certificate required|unknown ca)/i.test(link.message)
  );
}

interface ChainLink {
  name: string;
  message: string;
  code?: string;
}

/** The error and what it wraps (kafkajs: originalError, retry: cause), outermost first. */
export function errorChain(error: unknown): ChainLink[] {
  const links: ChainLink[] = [];
  let current: unknown = error;
  for (let depth = 0; current && typeof current === 'object' && depth < 8; depth++) {
    const e = current as { name?: unknown; message?: unknown; code?: unknown; cause?: unknown; originalError?: unknown };
    links.push({
      name: String(e.name ?? 'Error'),
      message: String(e.message ?? ''),
      ...(typeof e.code === 'string' ? { code: e.code } : {}),
    });
    current = e.originalError ?? e.cause;
  }
  return links;
}
