import { createServer, type Server } from 'node:http';
import type { Registry } from 'prom-client';
import type { Readiness } from './readiness.js';

/**
 * The ops endpoints of a service without a public HTTP door of its own: /metrics
 * (Prometheus), /healthz (liveness: the process serves) and /readyz (see Readiness).
 */
export function createOpsServer(registry: Registry, readiness: Readiness): Server {
  return createServer((request, response) => {
    const path = (request.url ?? '/').split('?')[0];
    if (request.method !== 'GET') {
      response.writeHead(405, { allow: 'GET' }).end();
      return;
    }
    if (path === '/healthz') {
      response.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ok"}');
    } else if (path === '/readyz') {
      const body = JSON.stringify(readinessBody(readiness));
      response.writeHead(readiness.ready ? 200 : 503, { 'content-type': 'application/json' }).end(body);
    } else if (path === '/metrics') {
      registry.metrics().then(
        (text) => response.writeHead(200, { 'content-type': registry.contentType }).end(text),
        (error: Error) => response.writeHead(500).end(error.message),
      );
    } else {
      response.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"not found"}');
    }
  });
}

/** The /readyz body: `{status: ready|not-ready, problems: {check: problem}}`. */
export function readinessBody(readiness: Readiness): { status: 'ready' | 'not-ready'; problems: Record<string, string> } {
  return { status: readiness.ready ? 'ready' : 'not-ready', problems: readiness.report() };
}

/** Starts listening; resolves with the bound port (useful when asked for port 0). */
export async function listen(server: Server, port: number, host?: string): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  return typeof address === 'object' && address ? address.port : port;
}

export function closeServer(server: Server | undefined): Promise<void> {
  return new Promise((resolve) => (server ? server.close(() => resolve()) : resolve()));
}
