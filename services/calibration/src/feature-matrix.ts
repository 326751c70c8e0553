import type { Grid } from '@leadscore/engine';

/** One model column: "rule fired at least `level` times" (level 1 only for conditions and properties). */
export interface FeatureColumn {
  readonly ruleIndex: number;
  readonly ruleId: string;
  readonly kind: 'counting' | 'condition' | 'property';
  readonly level: number;
  /**
   * Rules whose column was identical on every contact (e.g. a 0-point counter and the
   * condition reading it): kept once, here, since a model cannot tell them apart.
   */
  readonly alsoCovers: readonly string[];
}

export interface FeatureMatrixOptions {
  /** Count levels per counting rule: n ≥ 1, n ≥ 2, … n ≥ maxLevel (default 3). */
  readonly maxLevel?: number;
  /** A column needs at least this many contacts on each side (default max(3, 0.5 % of contacts)). */
  readonly minSupport?: number;
  /**
   * By rule position: which rules are learned (default: all). Learning one score of a grid with
   * `scores` learns the rules of that score only; the others get no column.
   */
  readonly learns?: readonly boolean[];
}

/**
 * The columns the model learns: per counting rule, indicators n ≥ 1, n ≥ 2, … (each weight is
 * the extra log-odds of one more level, so the learned effect of a rule is a step function of
 * its count, which becomes tiers); per condition or property rule, one indicator. A column is
 * kept only when enough contacts are on each side of it. Uses no outcome, so choosing the
 * columns on all contacts leaks nothing into cross-validation.
 */
export function featureColumns(
  grid: Grid,
  features: readonly (readonly number[])[],
  options: FeatureMatrixOptions = {},
): FeatureColumn[] {
  const maxLevel = options.maxLevel ?? 3;
  const minSupport = options.minSupport ?? Math.max(3, Math.ceil(features.length * 0.005));
  const columns: (FeatureColumn & { alsoCovers: string[]; signature: string; scores: boolean })[] = [];
  grid.rules.forEach((rule, ruleIndex) => {
    if (options.learns !== undefined && options.learns[ruleIndex] !== true) return;
    const scores = 'on' in rule ? (rule.points ?? 0) !== 0 || rule.tiers !== undefined : rule.points !== 0;
    const kind = 'on' in rule ? 'counting' : 'when' in rule ? 'condition' : 'property';
    const top = kind === 'counting' ? maxLevel : 1;
    for (let level = 1; level <= top; level += 1) {
      let above = 0;
      for (const row of features) if ((row[ruleIndex] ?? 0) >= level) above += 1;
      if (above < minSupport || features.length - above < minSupport) break;
      const signature = features.map((row) => ((row[ruleIndex] ?? 0) >= level ? '1' : '0')).join('');
      const twin = columns.findIndex((c) => c.signature === signature);
      if (twin === -1) {
        columns.push({ ruleIndex, ruleId: rule.id, kind, level, alsoCovers: [], signature, scores });
        continue;
      }
      // identical columns: keep the one of a rule that gives points in the grid (the first on a tie)
      const kept = columns[twin]!;
      if (!kept.scores && scores) {
        columns[twin] = {
          ruleIndex,
          ruleId: rule.id,
          kind,
          level,
          alsoCovers: [...kept.alsoCovers, kept.ruleId],
          signature,
          scores,
        };
      } else kept.alsoCovers.push(rule.id);
    }
  });
  return columns.map(({ signature: _s, scores: _p, ...column }) => column);
}

export function designMatrix(columns: readonly FeatureColumn[], features: readonly (readonly number[])[]): number[][] {
  return features.map((row) => columns.map((c) => ((row[c.ruleIndex] ?? 0) >= c.level ? 1 : 0)));
}
