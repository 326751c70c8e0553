/** The engine's own micro-benchmark (services/engine/bench/engine.bench.ts), run as a child; its output is kept verbatim. */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const ENGINE_BENCH = fileURLToPath(new URL('../services/engine/bench/engine.bench.ts', import.meta.url));

/** The grid with several scores and a matrix the benchmark reports beside the starter grid. */
export const SEVERAL_SCORES_GRID = fileURLToPath(new URL('../deploy/grids/b2b.yaml', import.meta.url));

export async function runEngineMicroBench(events: number, contacts: number, gridFile?: string): Promise<string> {
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      ENGINE_BENCH,
      '--events',
      String(events),
      '--contacts',
      String(contacts),
      ...(gridFile ? ['--grid', gridFile] : []),
    ],
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
