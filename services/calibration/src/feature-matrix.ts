import type { Grid } from '@leadscore/engine';

/** One model column: "rule fired at least `level` times" (level 1 only for conditions and properties). */
export interface FeatureColumn {
  readonly ruleIndex: number;
  readonly ruleId: string;
  readonly kind: 'counting' | 'condition' | 'property';
  readonly level: number;
}

export interface FeatureMatrixOptions {
  /** Count levels per counting rule: n ≥ 1, n ≥ 2, … n ≥ maxLevel (default 3). */
  readonly maxLevel?: number;
  /** A column needs at least this many contacts on each side (default max(3, 0.5 % of contacts)). */
  readonly minSupport?: number;
}

/**
 * The columns the model learns: per counting rule, indicators n ≥ 1, n ≥ 2, … (each weight is
 * the extra log-odds of one more level, so the learned effect of a rule is a step function of
 * its count, which becomes tiers); per condition or property rule, one indicator. A column is
 * kept only when enough contacts are on each side of it. Uses no outcome, so choosing the
 * columns on all contacts leaks nothing into cross-validation.
 */
export function featureColumns(grid: Grid, features: readonly (readonly number[])[], options: FeatureMatrixOptions = {}): FeatureColumn[] {
  const maxLevel = options.maxLevel ?? 3;
  const minSupport = options.minSupport ?? Math.max(3, Math.ceil(features.length * 0.005));
  const columns: FeatureColumn[] = [];
  grid.rules.forEach((rule, ruleIndex) => {
    const kind = 'on' in rule ? 'counting' : 'when' in rule ? 'condition' : 'property';
    const top = kind === 'counting' ? maxLevel : 1;
    for (let level = 1; level <= top; level += 1) {
      let above = 0;
      for (const row of features) if ((row[ruleIndex] ?? 0) >= level) above += 1;
      if (above < minSupport || features.length - above < minSupport) break;
      columns.push({ ruleIndex, ruleId: rule.id, kind, level });
    }
  });
  return columns;
}

export function designMatrix(columns: readonly FeatureColumn[], features: readonly (readonly number[])[]): number[][] {
  return features.map((row) => columns.map((c) => ((row[c.ruleIndex] ?? 0) >= c.level ? 1 : 0)));
}
