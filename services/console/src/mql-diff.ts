import type { Contribution } from '@leadscore/engine';

/** One contact as a grid scored it (calibration's ContactRow has these fields). */
export interface ScoredContact {
  readonly contactId: string;
  readonly score: number;
  readonly contributions: readonly Contribution[];
}

/** A contact MQL under one grid and not the other, with both breakdowns (rules with points or count). */
export interface MqlDiffEntry {
  readonly contactId: string;
  readonly liveScore: number;
  readonly draftScore: number;
  readonly live: readonly Contribution[];
  readonly draft: readonly Contribution[];
}

export interface MqlDiff {
  /** The threshold compared: the grids' `MQL`, else their first threshold. */
  readonly threshold: string;
  readonly liveAt: number | null;
  readonly draftAt: number | null;
  /** MQL under the draft and not under the live grid. */
  readonly gained: readonly MqlDiffEntry[];
  /** MQL under the live grid and not under the draft. */
  readonly lost: readonly MqlDiffEntry[];
}

/** The MQL threshold of a grid: the one named MQL, else the first one; null when it has none. */
export function mqlThreshold(
  thresholds: readonly { name: string; at: number }[] | undefined,
): { name: string; at: number } | null {
  const list = thresholds ?? [];
  return list.find((t) => t.name === 'MQL') ?? list[0] ?? null;
}

const shown = (c: readonly Contribution[]) => c.filter((x) => x.points !== 0 || x.count !== 0);

/**
 * Which contacts the draft makes MQL that the live grid does not, and the reverse. Both lists
 * are ordered by the draft score, highest first (ties by contactId). Pure.
 */
export function mqlDiff(
  live: readonly ScoredContact[],
  draft: readonly ScoredContact[],
  liveThreshold: { name: string; at: number } | null,
  draftThreshold: { name: string; at: number } | null,
): MqlDiff {
  const byId = new Map(live.map((c) => [c.contactId, c]));
  const gained: MqlDiffEntry[] = [];
  const lost: MqlDiffEntry[] = [];
  const isMql = (score: number, t: { at: number } | null) => t !== null && score >= t.at;
  for (const d of draft) {
    const l = byId.get(d.contactId);
    if (!l) continue;
    const entry = {
      contactId: d.contactId,
      liveScore: l.score,
      draftScore: d.score,
      live: shown(l.contributions),
      draft: shown(d.contributions),
    };
    const inDraft = isMql(d.score, draftThreshold);
    const inLive = isMql(l.score, liveThreshold);
    if (inDraft && !inLive) gained.push(entry);
    else if (inLive && !inDraft) lost.push(entry);
  }
  const order = (a: MqlDiffEntry, b: MqlDiffEntry) =>
    b.draftScore - a.draftScore || (a.contactId < b.contactId ? -1 : a.contactId > b.contactId ? 1 : 0);
  return {
    threshold: draftThreshold?.name ?? liveThreshold?.name ?? 'MQL',
    liveAt: liveThreshold?.at ?? null,
    draftAt: draftThreshold?.at ?? null,
    gained: gained.sort(order),
    lost: lost.sort(order),
  };
}
