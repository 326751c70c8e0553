/** The engine's own micro-benchmark (services/engine/bench/engine.bench.ts), run as a child; its output is kept verbatim. */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const ENGINE_BENCH = fileURLToPath(new URL('../services/engine/bench/engine.bench.ts', import.meta.url));

export async function runEngineMicroBench(events: number, contacts: number): Promise<string> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', ENGINE_BENCH, '--events', String(events), '--contacts', String(contacts)],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  let out = '';
  child.stdout.on('data', (chunk: Buffer) => {
    out += chunk.toString();
    process.stdout.write(chunk);
  });
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  if (code !== 0) throw new Error(`engine bench exited with ${code}`);
  return out.trim();
}
