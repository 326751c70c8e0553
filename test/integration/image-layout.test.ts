import { execFile } from 'node:child_process';
import { chmod, cp, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serviceEnv } from '../support/scorer-harness.js';
import { ServiceProcess } from '../support/service-process.js';
import { freshTopics } from '../support/streams.js';
import { testContext } from '../support/test-context.js';

const run = promisify(execFile);
const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
/** The image's `node` user (Dockerfile: USER node). */
const NODE_USER = { uid: 1000, gid: 1000 };

/** `.dockerignore` patterns as Docker reads them: from the context root, `*` within a path segment, `**` across them. */
function dockerIgnore(text: string): (path: string) => boolean {
  const patterns = text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((pattern) => {
      const source = pattern
        .split('/')
        .map((part) => (part === '**' ? '.*' : part.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*')))
        .join('/')
        .replace(/^\.\*\//, '(?:.*/)?');
      return new RegExp(`^${source}$`);
    });
  // a path is left out when it, or a folder above it, matches
  return (path) => {
    const parts = path.split('/');
    return parts.some((_, i) => patterns.some((p) => p.test(parts.slice(0, i + 1).join('/'))));
  };
}

/** The `COPY <sources…> <dest>` lines of the Dockerfile that copy from the build context (not `--from` a stage). */
function contextCopies(dockerfile: string): { sources: string[]; dest: string }[] {
  return [...dockerfile.matchAll(/^COPY (?!--from)(.+)$/gm)].map((match) => {
    const args = match[1]!.trim().split(/\s+/);
    return { sources: args.slice(0, -1), dest: args.at(-1)! };
  });
}

/** The HEALTHCHECK's exec-form CMD (its continuation line). */
function healthcheckCommand(dockerfile: string): string[] {
  const match = /^HEALTHCHECK [^\n]*\\\n\s*CMD (\[.*\])$/m.exec(dockerfile);
  if (!match) throw new Error('the Dockerfile has no exec-form HEALTHCHECK CMD');
  return JSON.parse(match[1]!) as string[];
}

/** The service bin the Dockerfile links as /app/entrypoint.js for a SERVICE build argument. */
const entrypoint = (service: string) =>
  service === 'cli' ? 'services/cli/bin/leadscore.js' : `services/${service}/bin/${service}.js`;

/**
 * What the images contain, run natively (there is no Docker engine here): the files the
 * Dockerfile copies from the build context, less what .dockerignore leaves out, with the
 * production dependencies only (`npm ci --omit=dev`, as its deps stage). Each service then runs
 * from that tree as the unprivileged user, answers the image's own HEALTHCHECK command and
 * becomes ready against the real servers. A service importing a dev-only package, a file the
 * image lacks, or a healthcheck on the wrong port fails here.
 */
describe('the image layout (Dockerfile + .dockerignore, production dependencies only)', () => {
  const ctx = testContext();
  const processes: ServiceProcess[] = [];
  let app = '';
  let dockerfile = '';

  beforeAll(async () => {
    dockerfile = await readFile(join(repoRoot, 'Dockerfile'), 'utf8');
    expect(dockerfile).toMatch(/RUN npm ci --omit=dev/);
    const ignored = dockerIgnore(await readFile(join(repoRoot, '.dockerignore'), 'utf8'));
    app = await mkdtemp(join(tmpdir(), 'leadscore-image-'));
    for (const { sources, dest } of contextCopies(dockerfile)) {
      for (const source of sources) {
        const target = dest.endsWith('/') ? join(app, dest, source.split('/').at(-1)!) : join(app, dest);
        await cp(join(repoRoot, source), target, {
          recursive: true,
          filter: (from) => from === join(repoRoot, source) || !ignored(relative(repoRoot, from)),
        });
      }
    }
    // the deps stage's install; offline first: the root `npm ci` has cached every package
    await run('npm', ['ci', '--omit=dev', '--no-audit', '--no-fund', '--prefer-offline'], {
      cwd: app,
      maxBuffer: 16 * 1024 * 1024,
    });
    await chmod(app, 0o755); // mkdtemp makes it private: the node user must read the app, as in the image
  }, 300_000);
  afterAll(async () => {
    await Promise.all(processes.map((p) => p.stop().catch(() => undefined)));
    if (app) await rm(app, { recursive: true, force: true });
  });

  it('holds what the services need and nothing of the development tree', async () => {
    const has = (path: string) =>
      readFile(join(app, path)).then(
        () => true,
        () => false,
      );
    expect(await has('schemas/avro/behavioural-event.avsc')).toBe(true);
    expect(await has('deploy/grids/starter.yaml')).toBe(true);
    expect(await has('services/scorer/test/config.test.ts')).toBe(false);
    expect(await has('node_modules/vitest/package.json')).toBe(false); // dev dependencies stay out
    expect(await has('node_modules/typescript/package.json')).toBe(false);
    expect(await has('node_modules/tsx/package.json')).toBe(true); // the services' runtime loader
  });

  it('every service runs from it as the node user, passes the image HEALTHCHECK, gets ready and stops cleanly', async () => {
    const { topics } = await freshTopics('image', 2);
    const keyPrefix = ctx.uniqueName('image');
    const healthcheck = healthcheckCommand(dockerfile);
    const services = ['scorer', 'ingest', 'lifecycle', 'read-api', 'console'] as const;
    const started = services.map((service) => {
      const env = {
        ...serviceEnv(topics, keyPrefix),
        NODE_ENV: 'production',
        LEADSCORE_SERVICE: service,
        HOME: tmpdir(),
        PROVISION: 'true',
        INGEST_API_KEYS: 'image-key-0123456789abcdef',
        SCORER_GROUP_ID: `${keyPrefix}-scorer`,
        LIFECYCLE_GROUP_ID: `${keyPrefix}-lifecycle`,
        READ_API_GROUP_ID: `${keyPrefix}-read-api`,
        // the console bundles its page with esbuild at start-up: a production install must hold it
        CONSOLE_EDITOR_KEYS: 'image:image-console-key-0123456789',
        // no GRID_FILE: the scorer and the read API fall back to the starter grid the image holds
      };
      const child = new ServiceProcess(service, join(app, entrypoint(service)), env, undefined, NODE_USER);
      processes.push(child);
      return { service, process: child };
    });
    await Promise.all(started.map(({ process }) => process.start()));
    await Promise.all(started.map(({ process }) => process.waitReady()));
    const [command, ...args] = healthcheck;
    const healthy = async (service: string, port: number) =>
      run(command === 'node' ? process.execPath : command!, args, {
        env: { PATH: process.env.PATH ?? '', LEADSCORE_SERVICE: service, HTTP_PORT: String(port) },
        timeout: 10_000,
      }).then(
        () => 0,
        (error: { code?: number }) => error.code ?? -1,
      );
    for (const { service, process: child } of started) {
      expect(await healthy(service, await child.port), `${service}: the image's HEALTHCHECK`).toBe(0);
    }
    // the console's page and its bundled script are served from the production tree
    const console_ = started.find(({ service }) => service === 'console')!.process;
    const script = await fetch(await console_.url('/app.js'));
    expect(script.status).toBe(200);
    expect(await script.text()).toContain('/api/backtest');
    expect(await Promise.all(started.map(({ process: child }) => child.stop()))).toEqual([0, 0, 0, 0, 0]);
    // and the same check fails once nothing answers
    expect(await healthy('scorer', await started[0]!.process.port)).toBe(1);
  });

  it('the cli image runs `leadscore grid validate`', async () => {
    const { stdout } = await run(
      process.execPath,
      [join(app, entrypoint('cli')), 'grid', 'validate', join(app, 'deploy/grids/starter.yaml')],
      {
        env: { PATH: process.env.PATH ?? '', NODE_ENV: 'production', HOME: tmpdir() },
        uid: NODE_USER.uid,
        gid: NODE_USER.gid,
        timeout: 60_000,
      },
    );
    expect(stdout).toContain('valid grid "starter"');
  });
});
