import type { Command } from 'commander';
import { GridValidationError, formatIssue, type Grid } from '@leadscore/engine';
import { ExitCode, type CliIo } from '../cli-io.js';
import { readGridFile } from '@leadscore/service-kit';

/** One line describing a valid grid. */
export function describeGrid(file: string, grid: Grid): string {
  const kinds = { counting: 0, condition: 0, property: 0 };
  let decaying = 0;
  for (const rule of grid.rules) {
    if ('on' in rule) {
      kinds.counting += 1;
      if (rule.decay !== undefined) decaying += 1;
    } else if ('when' in rule) kinds.condition += 1;
    else kinds.property += 1;
  }
  const counting = decaying === 0 ? `${kinds.counting} counting` : `${kinds.counting} counting of which ${decaying} decaying`;
  const thresholds = (grid.thresholds ?? []).map((t) => `${t.name} at ${t.at}`).join(', ') || 'none';
  const bounds = grid.bounds === undefined ? 'none' : `${grid.bounds.min ?? '-∞'}..${grid.bounds.max ?? '+∞'}`;
  const rules = `${grid.rules.length} rules (${counting}, ${kinds.condition} condition, ${kinds.property} property)`;
  const scoring = grid.scores === undefined ? `thresholds: ${thresholds}; bounds: ${bounds}` : describeScores(grid);
  return `${file}: valid grid "${grid.name}" version ${grid.version}: ${rules}; ${scoring}${describeAccounts(grid)}`;
}

/** `scores` and the matrix in a few words, and which parts of leadscore score them in this version. */
function describeScores(grid: Grid): string {
  const scores = (grid.scores ?? []).map((score) => {
    const thresholds = (score.thresholds ?? []).map((t) => `${t.name} at ${t.at}`).join(', ');
    return thresholds === '' ? score.id : `${score.id} (${thresholds})`;
  });
  const matrix =
    grid.matrix === undefined
      ? ''
      : `; matrix ${grid.matrix.rows.score} × ${grid.matrix.columns.score}, qualified: ${grid.matrix.qualified.join(', ')}`;
  return `scores: ${scores.join(', ')}${matrix}`;
}

/** The `accounts` section in a few words, or nothing when the grid has none. */
function describeAccounts(grid: Grid): string {
  const accounts = grid.accounts;
  if (accounts === undefined) return '';
  const spec = accounts.aggregate;
  const aggregate = 'top' in spec ? `top ${spec.top}` : 'sum' in spec ? 'sum of all' : 'max';
  const rules = accounts.rules?.length ?? 0;
  const thresholds = (accounts.thresholds ?? []).map((t) => `${t.name} at ${t.at}`).join(', ') || 'none';
  return `; accounts by ${accounts.key}: ${aggregate} members + ${rules} rule${rules === 1 ? '' : 's'}, thresholds: ${thresholds}`;
}

export async function gridValidate(file: string, io: CliIo): Promise<ExitCode> {
  try {
    io.out(describeGrid(file, await readGridFile(file)));
    return ExitCode.Ok;
  } catch (error) {
    if (!(error instanceof GridValidationError)) throw error;
    io.err(`${file}: ${error.errors.length} error${error.errors.length === 1 ? '' : 's'}`);
    for (const issue of error.errors) io.err(`  ${formatIssue(issue)}`);
    return ExitCode.Failure;
  }
}

export function registerGridCommands(program: Command, io: CliIo, done: (code: ExitCode) => void): void {
  const grid = program.command('grid').description('work with grid files');
  grid
    .command('validate')
    .description('check a grid file: exit 0 with a summary, or exit 1 with every error and its path')
    .argument('<file>', 'grid file (YAML or JSON)')
    .action(async (file: string) => done(await gridValidate(file, io)));
}
