import type { Command } from 'commander';
import {
  backtest,
  contactRows,
  learnGrid,
  renderHtmlReport,
  type BacktestReport,
  type LearnReport,
} from '@leadscore/calibration';
import { CliError, CliErrorCode } from '../cli-error.js';
import { ExitCode, type CliIo } from '../cli-io.js';
import { runCalibrationCommand, writeHtmlReport } from '../calibration-command.js';
import {
  aucText,
  percent,
  readCalibrationInput,
  textTable,
  writeOutputFile,
  type CalibrationInput,
} from '../calibration-input.js';
import { checkFormat, SCORE_HELP } from './backtest.js';

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
  readonly score?: string;
}

function number(option: string, text: string, check: (n: number) => boolean, expected: string): number {
  const value = Number(text);
  if (text.trim() === '' || !Number.isFinite(value) || !check(value)) {
    throw new CliError(CliErrorCode.BadOption, `${option} ${JSON.stringify(text)} is not valid; expected ${expected}`);
  }
  return value;
}

/** What the features were: "the grid's rules", "the rules of score engagement", "event types". */
function learnedFrom(report: LearnReport): string {
  if (report.basis !== 'grid') return 'event types';
  return report.score === undefined ? "the grid's rules" : `the rules of score ${report.score.id}`;
}

/**
 * The proposed threshold's name: the grid's (one score) or the learned score's; undefined when
 * the learned score of several has none (none is proposed for it).
 */
function proposedThresholdName(report: LearnReport): string | undefined {
  const grid = report.proposedGrid;
  if (report.score === undefined) return grid.thresholds?.[0]?.name ?? 'MQL';
  return grid.scores?.find((s) => s.id === report.score!.id)?.thresholds?.[0]?.name;
}

export function learnTable(report: LearnReport, gridOut: string | undefined): string {
  const cv = report.crossValidation;
  const levels = Math.max(1, ...report.rules.map((r) => r.steps.length));
  const out = [
    `learned from ${report.contacts} contacts (${report.converters} converted) on ${learnedFrom(report)}: ` +
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
    const name = proposedThresholdName(report);
    const stats = `precision ${percent(t.precision)}, recall ${percent(t.recall)}, ${t.selected} MQLs`;
    out.push(
      '',
      name === undefined
        ? `best F1 of ${report.score?.id ?? ''} at ${t.threshold}: ${stats} (the score has no threshold in the grid: none proposed)`
        : `proposed threshold ${name} at ${t.threshold} (best F1): ${stats}`,
    );
  }
  if (report.bands !== undefined) {
    out.push(
      '',
      `matrix ${report.bands[0]!.axis} (${report.score?.id ?? ''}) moved to the learned scale, each band keeping about the contacts it held`,
      textTable(
        ['band', 'at', 'contacts', 'proposed at', 'contacts'],
        report.bands.map((b) => [b.name, b.previousAt, b.contacts, b.at, b.proposedContacts]),
        [false, true, true, true, true],
      ),
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
    const report = learnGrid(input.grid, input.basis, input.contacts.rows, { scale, l2, folds, seed, score: input.score });
    if (options.out !== undefined) await writeOutputFile(options.out, report.proposedYaml);
    if (format === 'json') {
      const { proposedScores: _scores, ...rest } = report;
      io.out(JSON.stringify(rest));
    } else io.out(learnTable(report, options.out));
    if (options.html !== undefined) {
      const proposed = report.score === undefined ? proposedBacktest(input, report) : proposedScoreBacktest(input, report);
      const compare =
        input.basis === 'grid'
          ? [
              {
                name: `current ${input.grid.name} v${input.grid.version}`,
                roc: backtest(input.grid, input.contacts.rows, input.at, { score: input.score }).roc,
              },
            ]
          : [];
      const title = `Learned grid ${report.proposedGrid.name} v${report.proposedGrid.version}`;
      await writeHtmlReport(options.html, renderHtmlReport({ title, backtest: proposed, compare, learn: report }), io);
    }
    return input.badLines;
  });
}

/** The proposed grid's backtest for the HTML report, from the scores learn computed (one score). */
function proposedBacktest(input: CalibrationInput, report: LearnReport): BacktestReport {
  const rows = input.contacts.rows.map((r, i) => ({ ...r, score: report.proposedScores[i]!, contributions: [] }));
  return backtest(
    {
      ...input.grid,
      name: report.proposedGrid.name,
      version: report.proposedGrid.version,
      thresholds: report.proposedGrid.thresholds ?? [],
    },
    rows,
    input.at,
  );
}

/**
 * The proposed grid's backtest for the HTML report when one score of several was learned: the
 * proposal evaluated by the engine on the same history, so its grades (the matrix reads the
 * learned score and another) are the ones it would give.
 */
function proposedScoreBacktest(input: CalibrationInput, report: LearnReport): BacktestReport {
  const score = { score: report.score?.id };
  const rows = contactRows(report.proposedGrid, input.history, input.outcomes, input.at, 'outcomes', score).rows;
  return backtest(report.proposedGrid, rows, input.at, score);
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
    .option('--score <id>', `${SCORE_HELP}: only its rules are learned`)
    .option('--scale <points>', "points of the strongest rule's largest contribution", '1000')
    .option('--l2 <lambda>', 'L2 penalty of the regression (larger: smaller, safer weights)', '1')
    .option('--folds <k>', 'cross-validation folds', '5')
    .option('--seed <n>', 'seed of the fold assignment', '1')
    .option('--out <file>', 'write the proposed grid (YAML with comments) to this file')
    .option('--format <format>', 'table or json', 'table')
    .option('--html <file>', 'also write a self-contained HTML report with charts')
    .action(async (options: LearnCommandOptions) => done(await learnCommand(options, io)));
}
