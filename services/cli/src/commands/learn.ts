import type { Command } from 'commander';
import { backtest, learnGrid, renderHtmlReport, type LearnReport } from '@leadscore/calibration';
import { CliError, CliErrorCode } from '../cli-error.js';
import { ExitCode, type CliIo } from '../cli-io.js';
import { runCalibrationCommand, writeHtmlReport } from '../calibration-command.js';
import { aucText, percent, readCalibrationInput, textTable, writeOutputFile } from '../calibration-input.js';
import { checkFormat } from './backtest.js';

export interface LearnCommandOptions {
  readonly grid?: string;
  readonly events: string;
  readonly outcomes: string;
  readonly at?: string;
  readonly scale: string;
  readonly l2: string;
  readonly folds: string;
  readonly seed: string;
  readonly out?: string;
  readonly format: string;
  readonly html?: string;
}

function number(option: string, text: string, check: (n: number) => boolean, expected: string): number {
  const value = Number(text);
  if (text.trim() === '' || !Number.isFinite(value) || !check(value)) {
    throw new CliError(CliErrorCode.BadOption, `${option} ${JSON.stringify(text)} is not valid; expected ${expected}`);
  }
  return value;
}

export function learnTable(report: LearnReport, gridOut: string | undefined): string {
  const cv = report.crossValidation;
  const levels = Math.max(1, ...report.rules.map((r) => r.steps.length));
  const out = [
    `learned from ${report.contacts} contacts (${report.converters} converted) on ${report.basis === 'grid' ? "the grid's rules" : 'event types'}: ` +
      `L2 logistic regression (λ = ${report.options.l2}), ${report.options.folds}-fold cross-validation (seed ${report.options.seed}), scale ${report.options.scale}`,
    `cross-validated ROC AUC on held-out contacts: proposed ${aucText(cv.proposedAuc)}` +
      (report.basis === 'grid' ? `, current ${aucText(cv.currentAuc)}` : ''),
    textTable(
      ['fold', 'contacts', 'converted', 'proposed AUC', ...(report.basis === 'grid' ? ['current AUC'] : [])],
      cv.folds.map((f) => [
        f.fold,
        f.contacts,
        f.converters,
        aucText(f.proposedAuc),
        ...(report.basis === 'grid' ? [aucText(f.currentAuc)] : []),
      ]),
      [true, true, true, true, true],
    ),
    '',
    'Proposed weights (log-odds ± standard error; points are totals at 1+, 2+, 3+ events)',
    textTable(
      ['rule', 'status', ...Array.from({ length: levels }, (_, k) => (levels === 1 ? 'points' : `${k + 1}+`))],
      report.rules.map((r) => [
        r.ruleId,
        r.status,
        ...Array.from({ length: levels }, (_, k) => (r.steps[k] === undefined ? '' : String(r.steps[k]!.points))),
      ]),
      [false, false, ...Array.from({ length: levels }, () => true)],
    ),
    '',
    'Why',
    ...report.rules.map((r) => `  ${r.ruleId}: ${r.explanation}`),
  ];
  if (report.threshold !== undefined) {
    const t = report.threshold;
    out.push(
      '',
      `proposed threshold ${report.proposedGrid.thresholds?.[0]?.name ?? 'MQL'} at ${t.threshold} (best F1): precision ${percent(t.precision)}, recall ${percent(t.recall)}, ${t.selected} MQLs`,
    );
  }
  out.push(
    '',
    gridOut === undefined
      ? `proposed grid (write it to a file with --out):\n\n${report.proposedYaml}`
      : `proposed grid written to ${gridOut}`,
  );
  return out.join('\n');
}

export async function learnCommand(options: LearnCommandOptions, io: CliIo): Promise<ExitCode> {
  const format = checkFormat(options.format);
  const scale = number('--scale', options.scale, (n) => Number.isInteger(n) && n >= 10, 'a whole number of points ≥ 10');
  const l2 = number('--l2', options.l2, (n) => n >= 0, 'a penalty ≥ 0');
  const folds = number('--folds', options.folds, (n) => Number.isInteger(n) && n >= 2 && n <= 20, 'a whole number from 2 to 20');
  const seed = number('--seed', options.seed, (n) => Number.isInteger(n), 'a whole number');
  return runCalibrationCommand(io, async () => {
    const input = await readCalibrationInput(options, io);
    const report = learnGrid(input.grid, input.basis, input.contacts.rows, { scale, l2, folds, seed });
    if (options.out !== undefined) await writeOutputFile(options.out, report.proposedYaml);
    if (format === 'json') {
      const { proposedScores: _scores, ...rest } = report;
      io.out(JSON.stringify(rest));
    } else io.out(learnTable(report, options.out));
    if (options.html !== undefined) {
      const rows = input.contacts.rows.map((r, i) => ({ ...r, score: report.proposedScores[i]!, contributions: [] }));
      const proposed = backtest(
        {
          ...input.grid,
          name: report.proposedGrid.name,
          version: report.proposedGrid.version,
          thresholds: report.proposedGrid.thresholds ?? [],
        },
        rows,
        input.at,
      );
      const compare =
        input.basis === 'grid'
          ? [
              {
                name: `current ${input.grid.name} v${input.grid.version}`,
                roc: backtest(input.grid, input.contacts.rows, input.at).roc,
              },
            ]
          : [];
      const title = `Learned grid ${report.proposedGrid.name} v${report.proposedGrid.version}`;
      await writeHtmlReport(options.html, renderHtmlReport({ title, backtest: proposed, compare, learn: report }), io);
    }
    return input.badLines;
  });
}

export function registerLearnCommand(program: Command, io: CliIo, done: (code: ExitCode) => void): void {
  program
    .command('learn')
    .description(
      "fit a logistic regression on the grid's rules (or on event types) against outcomes and propose a grid, with cross-validated AUC",
    )
    .option(
      '--grid <file>',
      'current grid: its rules are the features, its AUC the baseline (default: one feature per event type)',
    )
    .requiredOption('--events <file>', 'NDJSON events, one per line ("-" for stdin)')
    .requiredOption('--outcomes <file>', 'CSV with contactId, converted (0/1) and optionally convertedAt')
    .option('--at <time>', 'evaluation time for non-converters (ISO-8601 or epoch ms; default: now)')
    .option('--scale <points>', "points of the strongest rule's largest contribution", '1000')
    .option('--l2 <lambda>', 'L2 penalty of the regression (larger: smaller, safer weights)', '1')
    .option('--folds <k>', 'cross-validation folds', '5')
    .option('--seed <n>', 'seed of the fold assignment', '1')
    .option('--out <file>', 'write the proposed grid (YAML with comments) to this file')
    .option('--format <format>', 'table or json', 'table')
    .option('--html <file>', 'also write a self-contained HTML report with charts')
    .action(async (options: LearnCommandOptions) => done(await learnCommand(options, io)));
}
