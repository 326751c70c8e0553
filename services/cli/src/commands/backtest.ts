import type { Command } from 'commander';
import {
  backtest,
  renderHtmlReport,
  type BacktestReport,
  type GradeConversion,
  type ThresholdStats,
} from '@leadscore/calibration';
import { CliError, CliErrorCode } from '../cli-error.js';
import { ExitCode, type CliIo } from '../cli-io.js';
import { runCalibrationCommand, writeHtmlReport } from '../calibration-command.js';
import { aucText, percent, readCalibrationInput, textTable } from '../calibration-input.js';
import { STARTER_GRID_FILE } from '@leadscore/service-kit';

export interface BacktestCommandOptions {
  readonly grid: string;
  readonly events: string;
  readonly outcomes: string;
  readonly at?: string;
  readonly format: string;
  readonly html?: string;
  readonly score?: string;
}

export function checkFormat(format: string): 'table' | 'json' {
  if (format !== 'table' && format !== 'json') {
    throw new CliError(CliErrorCode.BadOption, `--format ${JSON.stringify(format)} is not known; expected table or json`);
  }
  return format;
}

/** Some thresholds of the sweep for people: about `count`, spread over the selected share. */
function sampleSweep(sweep: readonly ThresholdStats[], count: number): ThresholdStats[] {
  if (sweep.length <= count) return [...sweep];
  const picked = new Set<ThresholdStats>();
  for (let k = 0; k < count; k += 1) picked.add(sweep[Math.round((k * (sweep.length - 1)) / (count - 1))]!);
  return [...picked];
}

const thresholdRow = (name: string, t: ThresholdStats) => [
  name,
  t.threshold,
  t.selected,
  percent(t.precision),
  percent(t.recall),
  t.f1.toFixed(3),
  t.falsePositives,
  t.falseNegatives,
];
const THRESHOLD_HEAD = ['threshold', 'at', 'MQLs', 'precision', 'recall', 'F1', 'false pos.', 'false neg.'];
const THRESHOLD_NUMERIC = [false, true, true, true, true, true, true, true];

/** "b2b v1 (score engagement)"; a grid without `scores` as before: "starter v3". */
export function backtestedWhat(report: BacktestReport): string {
  const grid = `${report.grid.name} v${report.grid.version}`;
  return report.score === undefined ? grid : `${grid} (score ${report.score.id})`;
}

const rateText = (x: number | null): string => (x === null ? '–' : percent(x));

/** Conversion by grade: every cell, rows then columns in band order; `*` marks the qualified. */
function gradeTable(m: GradeConversion): string[] {
  const q = m.qualified;
  return [
    '',
    `Conversion by grade (rows: ${m.rows.score} ${m.rows.bands.join(', ')}; columns: ${m.columns.score} ${m.columns.bands.join(', ')}; * = qualified)`,
    textTable(
      ['grade', 'contacts', 'converted', 'rate'],
      m.cells.map((c) => [`${c.grade}${c.qualified ? ' *' : ''}`, c.contacts, c.converters, rateText(c.conversionRate)]),
      [false, true, true, true],
    ),
    `  qualified (${q.grades.join(', ')}): ${q.contacts} contacts, ${q.converters} converted (${rateText(q.conversionRate)}), ${percent(q.recall)} of all converters`,
  ];
}

export function backtestTable(report: BacktestReport): string {
  const r = report;
  const out: string[] = [];
  out.push(
    `backtest of grid ${backtestedWhat(r)} at ${new Date(r.at).toISOString()}: ${r.contacts} contacts, ` +
      `${r.converters} converted (${percent(r.conversionRate)}); ROC AUC ${aucText(r.roc.auc)}`,
    '',
    'Score distribution',
    textTable(
      ['score', 'contacts', 'converted', 'rate', ''],
      r.histogram.map((b) => [
        `${b.from}..${b.to}`,
        b.contacts,
        b.converters,
        b.contacts === 0 ? '–' : percent(b.converters / b.contacts),
        '#'.repeat(Math.round((40 * b.contacts) / r.contacts)),
      ]),
      [false, true, true, true, false],
    ),
    '',
    `Top ${Math.round(r.topSegment.share * 100)} %: ${r.topSegment.contacts} contacts scoring ${r.topSegment.minScore} or more; ` +
      `${r.topSegment.converters} converted (${percent(r.topSegment.conversionRate)}, lift ${r.topSegment.lift.toFixed(2)}), ${percent(r.topSegment.recall)} of all converters`,
    '',
    `Top ${r.topContacts.length} contacts`,
    textTable(
      ['contact', 'score', 'converted', 'breakdown (rule points (count))'],
      r.topContacts.map((c) => [
        c.contactId,
        c.score,
        c.converted ? 'yes' : 'no',
        c.contributions.map((x) => `${x.ruleId} ${x.points} (${x.count})`).join(', '),
      ]),
      [false, true, false, false],
    ),
    '',
    'Lift by decile (1 = top 10 % of scores)',
    textTable(
      ['decile', 'scores', 'contacts', 'converted', 'rate', 'lift', 'cum. recall'],
      r.deciles.map((d) => [
        d.decile,
        `${d.minScore}..${d.maxScore}`,
        d.contacts,
        d.converters,
        percent(d.conversionRate),
        d.lift.toFixed(2),
        percent(d.cumulativeRecall),
      ]),
      [true, false, true, true, true, true, true],
    ),
    '',
    'Thresholds (selected = score at or above; false pos. = MQLs that did not convert, false neg. = converters below)',
    textTable(
      THRESHOLD_HEAD,
      [
        ...r.gridThresholds.map((t) => thresholdRow(t.name, t)),
        ...(r.bestF1 === undefined ? [] : [thresholdRow('best F1', r.bestF1)]),
        ...sampleSweep(r.sweep, 10).map((t) => thresholdRow('', t)),
      ],
      THRESHOLD_NUMERIC,
    ),
    ...(r.matrix === undefined ? [] : gradeTable(r.matrix)),
    '',
    'Rules: share of converters and of non-converters for whom each rule fired',
    textTable(
      ['rule', 'converters', 'non-conv.', 'ratio'],
      r.rules.map((x) => [
        x.ruleId,
        percent(x.convertersRate),
        percent(x.nonConvertersRate),
        x.ratio === null ? '–' : x.ratio.toFixed(2),
      ]),
      [false, true, true, true],
    ),
  );
  return out.join('\n');
}

/** JSON output: the report as is (the ROC's first point has threshold null: "select nobody"). */
export function backtestJson(report: BacktestReport): string {
  return JSON.stringify(report, (_, value: unknown) => (value === Infinity ? null : value));
}

export async function backtestCommand(options: BacktestCommandOptions, io: CliIo): Promise<ExitCode> {
  const format = checkFormat(options.format);
  return runCalibrationCommand(io, async () => {
    const input = await readCalibrationInput(options, io);
    const report = backtest(input.grid, input.contacts.rows, input.at, { score: input.score });
    io.out(format === 'json' ? backtestJson(report) : backtestTable(report));
    if (options.html !== undefined) {
      const title = `Backtest of ${backtestedWhat(report)}`;
      await writeHtmlReport(options.html, renderHtmlReport({ title, backtest: report }), io);
    }
    return input.badLines;
  });
}

/** The help of --score, the same for backtest and learn. */
export const SCORE_HELP = "which of the grid's scores to evaluate (default: the first; a grid without scores has one, score)";

export function registerBacktestCommand(program: Command, io: CliIo, done: (code: ExitCode) => void): void {
  program
    .command('backtest')
    .description(
      'score contacts with a grid as of their conversion (or --at) and compare with what converted: distribution, lift, thresholds, ROC AUC, rules, conversion by grade',
    )
    .option('--grid <file>', 'grid file (YAML or JSON)', STARTER_GRID_FILE)
    .requiredOption('--events <file>', 'NDJSON events, one per line ("-" for stdin)')
    .requiredOption('--outcomes <file>', 'CSV with contactId, converted (0/1) and optionally convertedAt')
    .option('--at <time>', 'evaluation time for non-converters (ISO-8601 or epoch ms; default: now)')
    .option('--score <id>', SCORE_HELP)
    .option('--format <format>', 'table or json', 'table')
    .option('--html <file>', 'also write a self-contained HTML report with charts')
    .action(async (options: BacktestCommandOptions) => done(await backtestCommand(options, io)));
}
