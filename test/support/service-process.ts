import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';

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

export const SERVICE_BINS = {
  scorer: fileURLToPath(new URL('../../services/scorer/bin/scorer.js', import.meta.url)),
  ingest: fileURLToPath(new URL('../../services/ingest/bin/ingest.js', import.meta.url)),
  lifecycle: fileURLToPath(new URL('../../services/lifecycle/bin/lifecycle.js', import.meta.url)),
  readApi: fileURLToPath(new URL('../../services/read-api/bin/read-api.js', import.meta.url)),
  console: fileURLToPath(new URL('../../services/console/bin/console.js', import.meta.url)),
  accounts: fileURLToPath(new URL('../../services/accounts/bin/accounts.js', import.meta.url)),
} as const;

/** A service bin running as its own OS process on a free port (HTTP_PORT), as in production. */
export class ServiceProcess {
  private child?: ChildProcess;
  private exited?: Promise<number | null>;
  private stderrText = '';
  /** set by a test before it kills this process on purpose (a supervisor must not restart it) */
  killedByTest = false;
  readonly port: Promise<number>;

  constructor(
    readonly name: string,
    private readonly bin: string,
    private readonly env: Record<string, string>,
    private readonly logFile?: string,
    /** run as this user (the images run as the unprivileged `node` user, uid 1000) */
    private readonly user?: { readonly uid: number; readonly gid: number },
    /** node flags before the script (e.g. --cpu-prof, which NODE_OPTIONS refuses) */
    private readonly nodeArgs: readonly string[] = [],
  ) {
    this.port = freePort();
  }

  async start(): Promise<this> {
    const port = await this.port;
    const child = spawn(process.execPath, [...this.nodeArgs, this.bin], {
      env: { ...process.env, ...this.env, HTTP_PORT: String(port), HTTP_HOST: '127.0.0.1' },
      stdio: ['ignore', 'pipe', 'pipe'],
      ...this.user,
    });
    if (this.logFile) {
      const log = createWriteStream(this.logFile, { flags: 'a' });
      child.stdout!.pipe(log);
      child.stderr!.pipe(log);
    } else {
      child.stdout!.resume();
      child.stderr!.resume();
    }
    child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (this.stderrText = (this.stderrText + chunk).slice(-20_000)));
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

  async url(path: string): Promise<string> {
    return `http://127.0.0.1:${await this.port}${path}`;
  }

  /** Polls /readyz until it answers 200 (bounded). */
  async waitReady(timeoutMs = 60_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    const url = await this.url('/readyz');
    for (;;) {
      if (!this.running) {
        throw new Error(
          `${this.name} exited before it was ready (code ${this.child?.exitCode}); stderr: ${this.stderrText.slice(-2000)}`,
        );
      }
      const ok = await fetch(url, { signal: AbortSignal.timeout(1000) }).then(
        (r) => r.status === 200,
        () => false,
      );
      if (ok) return;
      if (Date.now() > deadline) throw new Error(`${this.name} not ready in time; stderr: ${this.stderrText.slice(-2000)}`);
      await new Promise((r) => setTimeout(r, 200)); // poll interval
    }
  }

  /** What the process wrote on stderr so far (the last 20 kB). */
  get stderr(): string {
    return this.stderrText;
  }

  /** The exit code once the process ends on its own; throws (and kills it) after `timeoutMs`. */
  async exitCode(timeoutMs: number): Promise<number | null> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        this.child?.kill('SIGKILL');
        reject(new Error(`${this.name} still running after ${timeoutMs} ms; stderr: ${this.stderrText}`));
      }, timeoutMs);
    });
    try {
      return await Promise.race([this.exited!, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  async metrics(): Promise<string> {
    return (await fetch(await this.url('/metrics'))).text();
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
