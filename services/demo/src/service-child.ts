import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, openSync, closeSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

export interface ServiceChildOptions {
  readonly repoRoot: string;
  /** What it is called in messages ("the scorer", "the console"). */
  readonly name: string;
  /** Its entry point, relative to the repository (`services/scorer/bin/scorer.js`). */
  readonly script: string;
  /** Its environment (endpoints, TOPIC_PREFIX, …); HTTP_PORT is chosen here unless given. */
  readonly env: Readonly<Record<string, string>>;
  /** stdout and stderr of the service go here (truncated at start): no log flood on the terminal. */
  readonly logFile: string;
}

/**
 * One of our services (the scorer, the account service, the console) as a child process, as it
 * runs in production. It gets its own process group so a Ctrl-C on the terminal reaches only the
 * demo, which then stops things in order (producer first, then the scorer). Should the demo exit without
 * stopping it, the child is killed on the way out rather than left running.
 */
export class ServiceChild {
  private readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  private exitedWith: { code: number | null; signal: NodeJS.Signals | null } | null = null;

  private constructor(
    private readonly child: ChildProcess,
    readonly httpPort: number,
    readonly logFile: string,
    readonly name: string,
  ) {
    this.exited = new Promise((resolve) =>
      child.once('exit', (code, signal) => {
        this.exitedWith = { code, signal };
        resolve(this.exitedWith);
      }),
    );
    const killOnExit = () => {
      if (this.exitedWith === null) child.kill('SIGKILL');
    };
    process.once('exit', killOnExit);
    void this.exited.then(() => process.off('exit', killOnExit));
  }

  static async start(options: ServiceChildOptions): Promise<ServiceChild> {
    const httpPort = options.env.HTTP_PORT !== undefined ? Number(options.env.HTTP_PORT) : await freePort();
    mkdirSync(dirname(options.logFile), { recursive: true });
    const log = openSync(options.logFile, 'w');
    try {
      const child = spawn(process.execPath, [join(options.repoRoot, options.script)], {
        cwd: options.repoRoot,
        env: { ...process.env, ...options.env, HTTP_PORT: String(httpPort) },
        stdio: ['ignore', log, log],
        detached: true,
      });
      return new ServiceChild(child, httpPort, options.logFile, options.name);
    } finally {
      closeSync(log); // the child has its own descriptor
    }
  }

  /** Exit status once it has exited, else null. */
  get exitStatus(): { code: number | null; signal: NodeJS.Signals | null } | null {
    return this.exitedWith;
  }

  whenExited(): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    return this.exited;
  }

  /**
   * Resolves once GET /readyz answers 200 (in its consumer group, producer and Redis up).
   * Throws if the scorer exits first or is not ready within `timeoutMs`, with its last log lines.
   */
  async waitReady(timeoutMs: number, aborted: () => boolean = () => false): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline && !aborted()) {
      if (this.exitedWith)
        throw new Error(`${this.name} exited during start-up (${describeExit(this.exitedWith)}):\n${this.logTail()}`);
      try {
        const response = await fetch(`http://127.0.0.1:${this.httpPort}/readyz`, { signal: AbortSignal.timeout(1_000) });
        if (response.status === 200) return;
      } catch {
        // not listening yet
      }
      await sleep(250);
    }
    if (aborted()) throw new Error(`stopped while ${this.name} was starting`);
    throw new Error(`${this.name} was not ready within ${timeoutMs / 1000} s:\n${this.logTail()}`);
  }

  /** SIGTERM (it finishes its batch, commits and leaves the group), SIGKILL after `timeoutMs`. */
  async stop(timeoutMs = 30_000): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    if (this.exitedWith) return this.exitedWith;
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), timeoutMs);
    try {
      return await this.exited;
    } finally {
      clearTimeout(timer);
    }
  }

  kill(): void {
    if (!this.exitedWith) this.child.kill('SIGKILL');
  }

  /** The last lines of its log (for error messages). */
  logTail(lines = 15): string {
    try {
      return readFileSync(this.logFile, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
    } catch {
      return `(no log at ${this.logFile})`;
    }
  }
}

export function describeExit(status: { code: number | null; signal: NodeJS.Signals | null }): string {
  return status.signal ? `signal ${status.signal}` : `exit code ${status.code}`;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}
