import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';

const SCORER_BIN = fileURLToPath(new URL('../../services/scorer/bin/scorer.js', import.meta.url));

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

/** A scorer running as its own OS process (`services/scorer/bin/scorer.js`), as in production. */
export class ScorerProcess {
  private child?: ChildProcess;
  private exited?: Promise<number | null>;
  /** set by a test before it kills this process on purpose (a supervisor must not restart it) */
  killedByTest = false;
  readonly port: Promise<number>;

  constructor(
    private readonly env: Record<string, string>,
    private readonly logFile?: string,
  ) {
    this.port = freePort();
  }

  async start(): Promise<this> {
    const port = await this.port;
    const child = spawn(process.execPath, [SCORER_BIN], {
      env: { ...process.env, ...this.env, HTTP_PORT: String(port) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    if (this.logFile) {
      const log = createWriteStream(this.logFile, { flags: 'a' });
      child.stdout!.pipe(log);
      child.stderr!.pipe(log);
    } else {
      child.stdout!.resume();
      child.stderr!.resume();
    }
    this.child = child;
    this.exited = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
    return this;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  get running(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Polls /readyz until it answers 200 (bounded). */
  async waitReady(timeoutMs = 60_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    const port = await this.port;
    for (;;) {
      if (!this.running) throw new Error(`scorer exited before it was ready (code ${this.child?.exitCode})`);
      const ok = await fetch(`http://127.0.0.1:${port}/readyz`, { signal: AbortSignal.timeout(1000) }).then(
        (r) => r.status === 200,
        () => false,
      );
      if (ok) return;
      if (Date.now() > deadline) throw new Error('scorer not ready in time');
      await new Promise((r) => setTimeout(r, 200)); // poll interval
    }
  }

  async metrics(): Promise<string> {
    return (await fetch(`http://127.0.0.1:${await this.port}/metrics`)).text();
  }

  kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<number | null> {
    this.child?.kill(signal);
    return this.exited ?? Promise.resolve(null);
  }

  /** SIGTERM, then the exit code (the graceful path). */
  async stop(): Promise<number | null> {
    if (!this.running) return this.child?.exitCode ?? null;
    return this.kill('SIGTERM');
  }
}
