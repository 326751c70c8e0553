import { CONTACT_MERGED, CONTACT_UPDATED, type CountingRule, type Grid, type Rule } from '@leadscore/engine';

/**
 * The grid whose rules are the model's features: the same rules as `grid` (same `on`, `where`,
 * `within`, conditions and property tests, same ids) but every counting rule gives 1 point per
 * event with no limit and no decay. Points do not matter here, the counts do: with `points: 1` and no cap
 * the engine keeps the true number of matching events (the scoring grid's counters stop at the
 * count beyond which its points cannot change, and counters worth 0 points may not be kept).
 */
export function featureGrid(grid: Grid): Grid {
  const rules = grid.rules.map((rule): Rule => {
    if (!('on' in rule)) return rule;
    const { tiers: _tiers, limit: _limit, points: _points, decay: _decay, ...matching } = rule;
    return { ...matching, points: 1 } satisfies CountingRule;
  });
  // Same matching events, so the same recent ids: the features count what the grid counts.
  return { name: grid.name, version: grid.version, ...(grid.dedupe && { dedupe: grid.dedupe }), rules };
}

/** `page_viewed` → `page-viewed` (rule ids are lowercase letters, digits and `-`). */
export function ruleIdForType(type: string): string {
  return type.replace(/_/g, '-').slice(0, 64);
}

/**
 * With no grid to start from, one counting rule per event type seen (contact updates aside:
 * they carry attributes, not behaviour), in alphabetical order.
 */
export function eventTypeGrid(types: Iterable<string>): Grid {
  const sorted = [...new Set(types)].filter((t) => t !== CONTACT_UPDATED && t !== CONTACT_MERGED).sort();
  return {
    name: 'learned',
    version: 1,
    rules: sorted.map((type) => ({ id: ruleIdForType(type), label: type.replace(/_/g, ' '), on: type, points: 1 })),
  };
}
