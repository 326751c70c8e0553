export { loadConsoleConfig, type ConsoleConfig } from './config.js';
export { ConsoleService, type ConsoleServiceOptions } from './console-service.js';
export { createConsoleApp, type ConsoleAppOptions, type LiveGrid } from './app.js';
export { applyGridEdit, gridTable, withVersion, type GridEdit, type GridTable, type RuleRow } from './grid-table.js';
export { mqlDiff, mqlThreshold, type MqlDiff, type MqlDiffEntry } from './mql-diff.js';
export { compareDrafts, type BacktestHistory, type DraftComparison } from './draft-backtest.js';
export {
  FileHistorySource,
  TopicHistorySource,
  type HistoryInfo,
  type HistorySource,
  type LoadedHistory,
} from './history-source.js';
export { readTopicHistory, type TopicHistoryOptions, type TopicHistoryRead } from './topic-history.js';
