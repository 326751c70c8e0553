import { compileGrid, type CompiledGrid, type Condition, type Grid, type Rule, type Tier } from '@leadscore/engine';
import type { FeatureColumn } from './feature-matrix.js';
import type { LogisticFit } from './logistic-regression.js';
import { niceStep, type RuleFiring } from './metrics.js';

/** One learned step of a rule: the extra log-odds of reaching `level`. */
export interface LearnedStep {
  readonly level: number;
  readonly weight: number;
  readonly standardError: number;
  /** exp(weight): how the odds of converting are multiplied at this step, other rules equal. */
  readonly oddsRatio: number;
  /** |weight| ≥ minZ · standardError; steps that are not count for nothing (noise). */
  readonly significant: boolean;
  /** The rule's total points once n ≥ level (after rounding). */
  readonly points: number;
}

export interface ProposedRuleExplanation {
  readonly ruleId: string;
  readonly label: string;
  /**
   * scored: gives points; counter: kept at 0 points because a condition reads it; removed (from
   * the grid, or, learning one score of several, from that score).
   */
  readonly status: 'scored' | 'counter' | 'removed';
  readonly steps: readonly LearnedStep[];
  readonly firing?: RuleFiring;
  /** One sentence for a marketer. */
  readonly explanation: string;
}

export interface ProposedGrid {
  readonly grid: Grid;
  readonly compiled: CompiledGrid;
  readonly rules: readonly ProposedRuleExplanation[];
  /** Points of one unit of log-odds. */
  readonly pointsPerLogOdds: number;
  /** Points are multiples of this. */
  readonly granularity: number;
}

export interface ProposeOptions {
  /** The strongest rule's largest contribution, in points (default 1000). */
  readonly scale?: number;
  readonly name?: string;
  readonly version?: number;
  readonly description?: string;
  readonly firing?: readonly RuleFiring[];
  /**
   * A step whose weight is within minZ standard errors of 0 is treated as noise and gives no
   * points (default 2, about 95 % confidence). 0 keeps every step.
   */
  readonly minZ?: number;
  /**
   * What becomes of a rule that earns nothing, when not the default (removed, or a 0-point
   * counter): learning one score of several, a rule another score lists stays for that score.
   */
  readonly leftOut?: (ruleId: string) => string | undefined;
}

const pct = (x: number): string => `${Math.round(x * 100)} %`;
const signed = (x: number): string => `${x >= 0 ? '+' : '−'}${Math.abs(x).toFixed(2)}`;

function conditionRules(condition: Condition, into: Set<string>): Set<string> {
  if ('rule' in condition) into.add(condition.rule);
  else if ('all' in condition) condition.all.forEach((c) => conditionRules(c, into));
  else if ('any' in condition) condition.any.forEach((c) => conditionRules(c, into));
  else conditionRules(condition.not, into);
  return into;
}

/**
 * Turns a fit into a grid: each rule's learned effect (the sum of its steps' log-odds) is put
 * on a point scale where the strongest rule's largest effect is `scale` points, rounded to
 * multiples of scale/100. Counting rules with several learned steps become tiers (totals per
 * count), one step becomes `points` + `limit` (once); conditions and properties keep their
 * test with new points. Negative effects stay negative. Rules without evidence (never fired,
 * or rounding to 0) are removed, or kept as 0-point counters when a condition reads them.
 * A rule's `decay` is dropped: the fit is of event counts, not of decayed worths (decay can be
 * added back by hand, docs/calibration.md). Thresholds are left to the caller (see
 * withThreshold). Pure.
 */
export function proposeGrid(
  base: Grid,
  columns: readonly FeatureColumn[],
  fit: LogisticFit,
  options: ProposeOptions = {},
): ProposedGrid {
  const scale = options.scale ?? 1000;
  const granularity = niceStep(scale / 100);
  const minZ = options.minZ ?? 2;
  const cumulative = base.rules.map((_, r) => {
    let sum = 0;
    return columns
      .map((c, j) => ({ c, j }))
      .filter(({ c }) => c.ruleIndex === r)
      .map(({ c, j }) => {
        const weight = fit.weights[j]!;
        const standardError = fit.standardErrors[j]!;
        const significant = Math.abs(weight) >= minZ * standardError;
        if (significant) sum += weight;
        return { level: c.level, weight, standardError, significant, total: sum };
      });
  });
  const strongest = Math.max(...cumulative.flat().map((s) => Math.abs(s.total)), 1e-12);
  const pointsPerLogOdds = scale / strongest;
  const toPoints = (logOdds: number): number => Math.round((logOdds * pointsPerLogOdds) / granularity) * granularity || 0;
  const referenced = new Set<string>();
  for (const rule of base.rules) if ('when' in rule) conditionRules(rule.when, referenced);

  const rules: Rule[] = [];
  const explanations: ProposedRuleExplanation[] = [];
  base.rules.forEach((rule, r) => {
    const label = rule.label ?? rule.id;
    const firing = options.firing?.[r];
    const evidence =
      firing === undefined
        ? ''
        : ` Fired for ${pct(firing.convertersRate)} of converters vs ${pct(firing.nonConvertersRate)} of non-converters.`;
    const steps: LearnedStep[] = cumulative[r]!.map((s) => ({
      level: s.level,
      weight: s.weight,
      standardError: s.standardError,
      oddsRatio: Math.exp(s.weight),
      significant: s.significant,
      points: toPoints(s.total),
    }));
    const keep = (status: 'counter' | 'removed', why: string): void => {
      if (status === 'counter' && 'on' in rule) {
        const { tiers: _t, limit: _l, points: _p, decay: _d, ...matching } = rule;
        rules.push({ ...matching, points: 0 });
      }
      const what =
        options.leftOut?.(rule.id) ?? (status === 'counter' ? 'kept as a 0-point counter (a condition reads it)' : 'removed');
      explanations.push({
        ruleId: rule.id,
        label,
        status,
        steps,
        ...(firing && { firing }),
        explanation: `${why}: ${what}.${evidence}`,
      });
    };
    const twin = columns.find((c) => c.alsoCovers.includes(rule.id));
    const twinNote =
      twin === undefined ? '' : `Fires exactly when ${twin.ruleId} does on these contacts, so that effect is learned there. `;
    if (steps.length === 0 && twin !== undefined) {
      keep(referenced.has(rule.id) ? 'counter' : 'removed', twinNote.slice(0, -2));
      return;
    }
    if (steps.length === 0) {
      keep(
        referenced.has(rule.id) ? 'counter' : 'removed',
        'Too few contacts on one side of it to learn anything (never or always fired)',
      );
      return;
    }
    const described =
      twinNote +
      steps
        .map((s, k) => {
          const head = 'on' in rule ? `${s.level}+ event${s.level === 1 ? '' : 's'}` : 'while it holds';
          const more = k === 0 ? '' : ' more';
          const effect = s.weight >= 0 ? `odds ×${s.oddsRatio.toFixed(2)}` : `lowers the odds ×${s.oddsRatio.toFixed(2)}`;
          const estimate = `log-odds ${signed(s.weight)}${more} ±${s.standardError.toFixed(2)}`;
          if (!s.significant)
            return `${head}: ${estimate}, not distinguishable from noise → ${s.points} points${k === 0 ? '' : ' in total'}`;
          return `${head}: ${estimate} (${effect}) → ${s.points} points${k === 0 ? '' : ' in total'}`;
        })
        .join('; ');
    if ('on' in rule) {
      const { tiers: _t, limit: _l, points: _p, decay: _d, ...matching } = rule;
      const tiers: Tier[] = [];
      let previous = 0;
      for (const s of steps) {
        if (s.points === previous) continue;
        tiers.push({ atLeast: s.level, points: s.points });
        previous = s.points;
      }
      if (tiers.length === 0) {
        keep(referenced.has(rule.id) ? 'counter' : 'removed', `${described}. No measurable effect`);
        return;
      }
      const only = tiers[0]!;
      rules.push(
        tiers.length === 1 && only.atLeast === 1
          ? { ...matching, points: only.points, limit: Math.abs(only.points) }
          : { ...matching, tiers },
      );
    } else {
      const points = steps[0]!.points;
      if (points === 0) {
        keep('removed', `${described}. No measurable effect`);
        return;
      }
      rules.push({ ...rule, points });
    }
    explanations.push({
      ruleId: rule.id,
      label,
      status: 'scored',
      steps,
      ...(firing && { firing }),
      explanation: `${described}.${evidence}`,
    });
  });
  if (rules.length === 0) {
    // a grid needs a rule; keep the strongest-looking one as a counter so the file stays valid
    const first = base.rules.find((r) => 'on' in r);
    if (first !== undefined && 'on' in first) {
      const { tiers: _t, limit: _l, points: _p, decay: _d, ...matching } = first;
      rules.push({ ...matching, points: 0 });
    }
  }
  const grid: Grid = {
    name: options.name ?? base.name,
    version: options.version ?? base.version + 1,
    ...(options.description !== undefined && { description: options.description }),
    // The features were counted with the base grid's recent ids.
    ...(base.dedupe && { dedupe: base.dedupe }),
    rules,
  };
  return { grid, compiled: compileGrid(grid), rules: explanations, pointsPerLogOdds, granularity };
}

/** The proposed grid with one threshold (e.g. MQL at the best-F1 score). */
export function withThreshold(proposed: ProposedGrid, name: string, at: number, description: string): ProposedGrid {
  const grid: Grid = { ...proposed.grid, thresholds: [{ name, at, description }] };
  return { ...proposed, grid, compiled: compileGrid(grid) };
}

/**
 * A contact's score under a proposed grid from its feature values (the uncapped n of each
 * counting rule, 1/0 for conditions and properties), with the engine's own contribution
 * functions: the same number the engine gives from the events (proposed grids have no bounds).
 * `baseRuleIds[i]` names the rule whose value is `features[i]`.
 */
export function scoreFromFeatures(compiled: CompiledGrid, baseRuleIds: readonly string[], features: readonly number[]): number {
  let total = 0;
  for (const rule of compiled.rules) {
    const value = features[baseRuleIds.indexOf(rule.id)] ?? 0;
    total += rule.kind === 'counting' ? rule.contribution(value) : value > 0 ? rule.points : 0;
  }
  return Math.min(compiled.bounds.max, Math.max(compiled.bounds.min, total));
}

/** The grid as commented YAML: each rule preceded by the explanation of its weights. */
export function gridYaml(grid: Grid, explanations: readonly ProposedRuleExplanation[], header: readonly string[]): string {
  const q = (value: unknown): string => JSON.stringify(value);
  const wrap = (text: string, indent: string): string[] => {
    const words = text.split(' ');
    const lines: string[] = [];
    let line = '';
    for (const word of words) {
      if (line.length > 0 && line.length + word.length + 1 > 96) {
        lines.push(`${indent}# ${line}`);
        line = word;
      } else line = line.length === 0 ? word : `${line} ${word}`;
    }
    if (line.length > 0) lines.push(`${indent}# ${line}`);
    return lines;
  };
  const out: string[] = header.flatMap((h) => wrap(h, ''));
  out.push(`name: ${q(grid.name)}`, `version: ${grid.version}`);
  if (grid.description !== undefined) out.push(`description: ${q(grid.description)}`);
  if (grid.dedupe !== undefined) out.push(`dedupe: { recent: ${grid.dedupe.recent} }`);
  if (grid.thresholds !== undefined && grid.thresholds.length > 0) {
    out.push('', 'thresholds:');
    for (const t of grid.thresholds) {
      out.push(`  - name: ${q(t.name)}`, `    at: ${t.at}`);
      if (t.description !== undefined) out.push(`    description: ${q(t.description)}`);
    }
  }
  out.push('', 'rules:');
  for (const rule of grid.rules) {
    const why = explanations.find((e) => e.ruleId === rule.id);
    if (why !== undefined) out.push(...wrap(why.explanation, '  '));
    out.push(`  - id: ${rule.id}`);
    if (rule.label !== undefined) out.push(`    label: ${q(rule.label)}`);
    if (rule.description !== undefined) out.push(`    description: ${q(rule.description)}`);
    if ('on' in rule) {
      out.push(`    on: ${q(rule.on)}`);
      if (rule.where !== undefined) out.push(`    where: ${q(rule.where)}`);
      if (rule.within !== undefined) out.push(`    within: ${q(rule.within)}`);
      if (rule.tiers !== undefined) {
        out.push('    tiers:');
        for (const t of rule.tiers) out.push(`      - { atLeast: ${t.atLeast}, points: ${t.points} }`);
      } else {
        out.push(`    points: ${rule.points ?? 0}`);
        if (rule.limit !== undefined) out.push(`    limit: ${rule.limit}`);
      }
      // learned rules have none; a rule of another score, kept as it is, keeps its decay
      if (rule.decay !== undefined) out.push(`    decay: ${q(rule.decay)}`);
    } else if ('when' in rule) {
      out.push(`    when: ${q(rule.when)}`, `    points: ${rule.points}`);
    } else {
      const { id: _i, label: _l, description: _d, points, ...test } = rule;
      for (const [key, value] of Object.entries(test)) out.push(`    ${key}: ${q(value)}`);
      out.push(`    points: ${points}`);
    }
  }
  out.push(...sectionsYaml(grid));
  const removed = explanations.filter((e) => e.status === 'removed');
  if (removed.length > 0) {
    out.push('', '# Rules of the current grid left out:');
    for (const e of removed) out.push(...wrap(`${e.ruleId}: ${e.explanation}`, ''));
  }
  return `${out.join('\n')}\n`;
}

/**
 * The sections a proposal for one score of several keeps from the grid (`accounts`, `scores`,
 * `matrix`), each key's value as JSON (which YAML reads as is). None for a grid of one score.
 */
function sectionsYaml(grid: Grid): string[] {
  const q = (value: unknown): string => JSON.stringify(value);
  const entries = (value: object, indent: string): string[] =>
    Object.entries(value).map(([key, v]) => `${indent}${key}: ${q(v)}`);
  const out: string[] = [];
  if (grid.accounts !== undefined) out.push('', 'accounts:', ...entries(grid.accounts, '  '));
  if (grid.scores !== undefined) {
    out.push('', 'scores:');
    for (const { id, thresholds, ...rest } of grid.scores) {
      out.push(`  - id: ${q(id)}`, ...entries(rest, '    '));
      if (thresholds !== undefined) {
        out.push('    thresholds:');
        for (const t of thresholds) out.push(`      - ${q(t)}`);
      }
    }
  }
  if (grid.matrix !== undefined) out.push('', 'matrix:', ...entries(grid.matrix, '  '));
  return out;
}
