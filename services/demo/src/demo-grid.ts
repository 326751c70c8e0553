import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { compileGrid, loadGrid, type CompiledGrid } from '@leadscore/engine';

/**
 * The demo's grid is the starter grid (its rules, the MQL) plus an `accounts` section kept in a
 * file of its own: the starter grid stays the default of every service, the Helm chart and the
 * tests, whose outputs an accounts section would change, and the demo does not keep a second
 * copy of its rules that could drift from them.
 */
export const DEMO_GRID_PARTS = {
  starter: 'deploy/grids/starter.yaml',
  accounts: 'deploy/grids/demo-accounts.yaml',
} as const;

export const DEMO_GRID_NAME = 'demo';

/** What the demo needs to know of its grid besides the file. */
export interface DemoGrid {
  readonly file: string;
  readonly grid: CompiledGrid;
  /** The contact property naming a contact's company (`accounts.key`). */
  readonly accountKey: string;
  /** The first account threshold (the MQA): the one the demo tells about. */
  readonly mqa: { readonly name: string; readonly at: number };
}

/**
 * The demo grid's text: the starter grid renamed `demo`, then the accounts section (comments
 * kept, so the written file reads as any grid does). Pure.
 * @throws GridValidationError when the result is not a valid grid with an accounts section
 */
export function demoGridText(starterYaml: string, accountsYaml: string): { text: string; grid: CompiledGrid } {
  const renamed = starterYaml.replace(/^name: .*$/m, `name: ${DEMO_GRID_NAME}`);
  const header =
    `# Written by \`npm run demo\`: ${DEMO_GRID_PARTS.starter} with the accounts section of\n` +
    `# ${DEMO_GRID_PARTS.accounts} (docs/demo.md). Edit those, not this file.\n`;
  const text = `${header}${renamed.trimEnd()}\n\n${accountsYaml.trimEnd()}\n`;
  const grid = compileGrid(loadGrid(text, 'the demo grid'));
  if (grid.name !== DEMO_GRID_NAME || grid.accounts === null || grid.accounts.thresholds.length === 0)
    throw new Error(
      `the demo grid needs a top-level name and an accounts section with a threshold (${DEMO_GRID_PARTS.accounts})`,
    );
  return { text, grid };
}

/** Reads both parts under `repoRoot`, writes the demo grid to `file` and describes it. */
export async function writeDemoGrid(repoRoot: string, file: string): Promise<DemoGrid> {
  const [starter, accounts] = await Promise.all([
    readFile(join(repoRoot, DEMO_GRID_PARTS.starter), 'utf8'),
    readFile(join(repoRoot, DEMO_GRID_PARTS.accounts), 'utf8'),
  ]);
  const { text, grid } = demoGridText(starter, accounts);
  await mkdir(dirname(file), { recursive: true });
  await writeFile(file, text, 'utf8');
  const section = grid.accounts!;
  const mqa = section.thresholds[0]!;
  return { file, grid, accountKey: section.key, mqa: { name: mqa.name, at: mqa.at } };
}
