import type { BacktestReport } from './backtest.js';
import type { GradeConversion } from './grade-conversion.js';
import type { LearnReport } from './learn.js';
import type { Roc } from './metrics.js';
import { barChart, escapeHtml, rocChart, type Curve } from './svg-charts.js';

export interface HtmlReportInput {
  readonly title: string;
  /** The backtest shown in the charts (for learn: the proposed grid's, in sample). */
  readonly backtest: BacktestReport;
  /** Extra ROC curves to compare (e.g. the current grid's). */
  readonly compare?: readonly { readonly name: string; readonly roc: Roc }[];
  readonly learn?: LearnReport;
}

const pct = (x: number): string => `${(x * 100).toFixed(1)} %`;
const auc = (x: number | null): string => (x === null ? 'n/a' : x.toFixed(3));
const time = (ms: number): string => new Date(ms).toISOString();
const COLORS = ['#1f6fb2', '#e67e22', '#27ae60', '#8e44ad'];

function table(
  head: readonly string[],
  rows: readonly (readonly (string | number)[])[],
  numeric: readonly boolean[] = [],
): string {
  const th = head.map((h, i) => `<th${numeric[i] ? ' class="n"' : ''}>${escapeHtml(h)}</th>`).join('');
  const tr = rows
    .map((r) => `<tr>${r.map((c, i) => `<td${numeric[i] ? ' class="n"' : ''}>${escapeHtml(String(c))}</td>`).join('')}</tr>`)
    .join('\n');
  return `<table><thead><tr>${th}</tr></thead><tbody>\n${tr}\n</tbody></table>`;
}

function learnedFrom(l: LearnReport): string {
  if (l.basis !== 'grid') return 'event types';
  return l.score === undefined ? "the current grid's rules" : `the rules of score ${escapeHtml(l.score.label)}`;
}

/** Conversion by grade: every cell of the matrix, rows then columns in band order. */
function gradeSection(m: GradeConversion): string[] {
  const q = m.qualified;
  const rate = (x: number | null): string => (x === null ? '–' : pct(x));
  return [
    '<h2>Conversion by grade</h2>',
    `<p>Rows: ${escapeHtml(m.rows.score)} bands ${escapeHtml(m.rows.bands.join(', '))}; columns: ${escapeHtml(m.columns.score)} bands ${escapeHtml(m.columns.bands.join(', '))}.
Qualified grades (${escapeHtml(q.grades.join(', '))}): ${q.contacts} contacts, ${q.converters} converted (${rate(q.conversionRate)}), ${pct(q.recall)} of all converters.</p>`,
    table(
      ['grade', m.rows.score, m.columns.score, 'contacts', 'converted', 'rate', 'qualified'],
      m.cells.map((c) => [c.grade, c.row, c.column, c.contacts, c.converters, rate(c.conversionRate), c.qualified ? 'yes' : '']),
      [false, false, false, true, true, true, false],
    ),
  ];
}

/**
 * One self-contained HTML page (inline CSS and SVG, no script, no external resource), so it
 * opens offline and can be mailed around. Pure.
 */
export function renderHtmlReport(input: HtmlReportInput): string {
  const b = input.backtest;
  const sections: string[] = [];
  const score = b.score === undefined ? '' : `, score <b>${escapeHtml(b.score.label)}</b> (${escapeHtml(b.score.id)})`;
  sections.push(`<p class="summary">Grid <b>${escapeHtml(b.grid.name)}</b> v${b.grid.version}${score}, evaluated at ${escapeHtml(time(b.at))}:
${b.contacts} contacts, ${b.converters} converted (${pct(b.conversionRate)}). ROC AUC <b>${auc(b.roc.auc)}</b>
(0.5 = no better than chance, 1 = every converter scores above every non-converter).</p>`);

  if (input.learn !== undefined) {
    const l = input.learn;
    sections.push(`<h2>Learned grid</h2>
<p>Cross-validated AUC on held-out contacts (${l.options.folds} folds): proposed <b>${auc(l.crossValidation.proposedAuc)}</b>,
current <b>${auc(l.crossValidation.currentAuc)}</b>. Learned from ${learnedFrom(l)}
with L2-regularised logistic regression (λ = ${l.options.l2}); the strongest rule is worth ${l.options.scale} points.</p>`);
    if (l.bands !== undefined) {
      const moves = l.bands.map((m) => `${m.name} at ${m.previousAt} → ${m.at} (${m.contacts} → ${m.proposedContacts} contacts)`);
      sections.push(
        `<p>The matrix's ${l.bands[0]!.axis} bands moved to the learned scale, each keeping about the contacts it held: ${escapeHtml(moves.join('; '))}.</p>`,
      );
    }
    sections.push(
      table(
        ['rule', 'status', 'points', 'why'],
        l.rules.map((r) => [r.ruleId, r.status, r.steps.map((s) => `${s.level}+: ${s.points}`).join(', ') || '–', r.explanation]),
      ),
    );
    sections.push(`<details><summary>Proposed grid file</summary><pre>${escapeHtml(l.proposedYaml)}</pre></details>`);
  }

  sections.push('<h2>Score distribution</h2>');
  sections.push(
    barChart(
      'histogram',
      'Contacts per score band (dark: converters)',
      b.histogram.map((bin) => ({
        label: String(bin.from),
        value: bin.contacts,
        highlight: bin.converters,
        tooltip: `${bin.from} to ${bin.to}: ${bin.contacts} contacts, ${bin.converters} converted`,
      })),
      'score (band start)',
      'contacts',
    ),
  );

  sections.push(
    '<h2>Lift by decile</h2><p>Contacts ranked by score, cut into ten equal groups; lift 3 means the group converts three times as often as the average contact.</p>',
  );
  sections.push(
    barChart(
      'lift',
      'Conversion rate by score decile',
      b.deciles.map((d) => ({
        label: `D${d.decile}`,
        value: d.conversionRate,
        tooltip: `decile ${d.decile} (scores ${d.minScore}..${d.maxScore}): ${pct(d.conversionRate)}, lift ${d.lift.toFixed(2)}`,
      })),
      'decile (D1 = top 10 % of scores)',
      'conversion rate',
      { reference: { value: b.conversionRate, label: `average ${pct(b.conversionRate)}` }, format: (v) => pct(v) },
    ),
  );
  sections.push(
    table(
      ['decile', 'scores', 'contacts', 'converted', 'rate', 'lift', 'cumulative recall'],
      b.deciles.map((d) => [
        d.decile,
        `${d.minScore}..${d.maxScore}`,
        d.contacts,
        d.converters,
        pct(d.conversionRate),
        d.lift.toFixed(2),
        pct(d.cumulativeRecall),
      ]),
      [false, false, true, true, true, true, true],
    ),
  );

  const curves: Curve[] = [
    {
      name: `${b.grid.name} v${b.grid.version} (AUC ${auc(b.roc.auc)})`,
      color: COLORS[0]!,
      points: b.roc.points.map((p) => [p.falsePositiveRate, p.truePositiveRate] as const),
    },
    ...(input.compare ?? []).map((c, i) => ({
      name: `${c.name} (AUC ${auc(c.roc.auc)})`,
      color: COLORS[(i + 1) % COLORS.length]!,
      points: c.roc.points.map((p) => [p.falsePositiveRate, p.truePositiveRate] as const),
    })),
  ];
  sections.push(
    '<h2>ROC curve</h2><p>Each point is a threshold: how many converters it finds against how many non-converters it lets through.</p>',
  );
  sections.push(rocChart('ROC curve', curves));

  sections.push('<h2>Thresholds</h2>');
  const best = b.bestF1 === undefined ? [] : [{ name: 'best F1', ...b.bestF1 }];
  sections.push(
    table(
      ['threshold', 'at', 'MQLs', 'precision', 'recall', 'F1', 'false positives', 'false negatives'],
      [...b.gridThresholds, ...best].map((t) => [
        t.name,
        t.threshold,
        t.selected,
        pct(t.precision),
        pct(t.recall),
        t.f1.toFixed(3),
        t.falsePositives,
        t.falseNegatives,
      ]),
      [false, true, true, true, true, true, true, true],
    ),
  );
  if (b.matrix !== undefined) sections.push(...gradeSection(b.matrix));
  sections.push(
    `<h2>Top ${Math.round(b.topSegment.share * 100)} %</h2><p>${b.topSegment.contacts} contacts scoring ${b.topSegment.minScore} or more: ${b.topSegment.converters} converted
(${pct(b.topSegment.conversionRate)}, lift ${b.topSegment.lift.toFixed(2)}), ${pct(b.topSegment.recall)} of all converters.</p>`,
  );
  if (b.topContacts.some((c) => c.contributions.length > 0)) {
    sections.push(
      table(
        ['contact', 'score', 'converted', 'breakdown'],
        b.topContacts.map((c) => [
          c.contactId,
          c.score,
          c.converted ? 'yes' : 'no',
          c.contributions.map((x) => `${x.ruleId} ${x.points} (${x.count})`).join(', '),
        ]),
        [false, true, false, false],
      ),
    );
  }
  sections.push('<h2>Rules on converters and non-converters</h2>');
  sections.push(
    table(
      ['rule', 'label', 'converters', 'non-converters', 'ratio'],
      b.rules.map((r) => [
        r.ruleId,
        r.label,
        pct(r.convertersRate),
        pct(r.nonConvertersRate),
        r.ratio === null ? '–' : r.ratio.toFixed(2),
      ]),
      [false, false, true, true, true],
    ),
  );

  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(input.title)}</title>
<style>
body { font-family: system-ui, sans-serif; max-width: 980px; margin: 2rem auto; padding: 0 1rem; color: #222; line-height: 1.4; }
table { border-collapse: collapse; margin: .5rem 0 1.5rem; font-size: .9rem; }
th, td { border-bottom: 1px solid #ddd; padding: .25rem .6rem; text-align: left; vertical-align: top; }
td.n, th.n { text-align: right; font-variant-numeric: tabular-nums; }
pre { background: #f6f6f6; padding: .8rem; overflow-x: auto; font-size: .8rem; }
svg { max-width: 100%; height: auto; display: block; margin: .5rem 0 1rem; }
</style>
</head>
<body>
<h1>${escapeHtml(input.title)}</h1>
${sections.join('\n')}
</body>
</html>
`;
}
