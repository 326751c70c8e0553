import { backtest, contactRows, type BacktestReport, type EventHistory, type Outcome } from '@leadscore/calibration';
import type { Grid } from '@leadscore/engine';
import { mqlDiff, mqlThreshold, type MqlDiff } from './mql-diff.js';

/** The history the console tests drafts on (CONSOLE_HISTORY_FILE, with CONSOLE_OUTCOMES_FILE when given). */
export interface BacktestHistory {
  readonly events: EventHistory;
  /** Known outcomes; without them every contact counts as not converted (no lift, no AUC). */
  readonly outcomes: readonly Outcome[] | undefined;
}

export interface DraftComparison {
  readonly at: number;
  readonly withOutcomes: boolean;
  readonly live: BacktestReport;
  readonly draft: BacktestReport;
  readonly mqlDiff: MqlDiff;
}

/**
 * The draft beside the live grid on the same history, both evaluated by calibration's
 * `contactRows` and `backtest` (the engine's scores and breakdowns): distribution, lift by
 * decile, ROC AUC, and the MQL diff. Pure.
 */
export function compareDrafts(live: Grid, draft: Grid, history: BacktestHistory, at: number): DraftComparison {
  const outcomes =
    history.outcomes ??
    [...history.events.byContact.keys()].map((contactId, i) => ({ contactId, converted: false, line: i + 1 }));
  const liveRows = contactRows(live, history.events, outcomes, at, 'outcomes').rows;
  const draftRows = contactRows(draft, history.events, outcomes, at, 'outcomes').rows;
  return {
    at,
    withOutcomes: history.outcomes !== undefined,
    live: backtest(live, liveRows, at),
    draft: backtest(draft, draftRows, at),
    mqlDiff: mqlDiff(liveRows, draftRows, mqlThreshold(live.thresholds), mqlThreshold(draft.thresholds)),
  };
}
