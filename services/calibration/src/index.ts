/** @leadscore/calibration: backtest a grid against outcomes and learn a better one. Pure: no I/O, no clock. */
export { CalibrationError, CalibrationErrorCode, formatLineError, type LineError } from './calibration-error.js';
export { parseOutcomes, splitCsvLine, type Outcome, type OutcomesParse } from './outcomes-csv.js';
export { readEventHistory, type EventHistory } from './event-history.js';
export { featureGrid, eventTypeGrid, ruleIdForType } from './feature-grid.js';
export { contactRows, type ContactRow, type ContactRows, type ContactRowsOptions } from './contact-features.js';
export { chosenScore, thresholdsOf } from './chosen-score.js';
export { gradeConversion, type GradeCell, type GradeConversion, type QualifiedConversion } from './grade-conversion.js';
export * from './metrics.js';
export { backtest, type BacktestReport, type BacktestOptions, type TopContact, type TopSegment } from './backtest.js';
export { fitLogistic, predictLogOdds, type LogisticFit, type LogisticOptions } from './logistic-regression.js';
export { featureColumns, designMatrix, type FeatureColumn } from './feature-matrix.js';
export { stratifiedFolds } from './cross-validation.js';
export {
  proposeGrid,
  withThreshold,
  scoreFromFeatures,
  gridYaml,
  type ProposedGrid,
  type ProposedRuleExplanation,
  type LearnedStep,
} from './propose-grid.js';
export { learnGrid, type LearnReport, type LearnOptions, type FoldResult } from './learn.js';
export { proposeScoreGrid, moveBands, otherScoresOf, type MovedBand, type ScoreProposal } from './score-proposal.js';
export { renderHtmlReport, type HtmlReportInput } from './html-report.js';
export {
  syntheticHistory,
  syntheticEventsNdjson,
  syntheticOutcomesCsv,
  TRUE_BEHAVIOURS,
  TRUE_INTERCEPT,
  MISCALIBRATED_GRID_YAML,
  type SyntheticHistory,
  type SyntheticEvent,
  type SyntheticOutcome,
  type TrueBehaviour,
} from './synthetic-history.js';
export { SeededRandom } from '@leadscore/seeded-random';
