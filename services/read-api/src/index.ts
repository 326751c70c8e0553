export { loadReadApiConfig, type ReadApiConfig } from './config.js';
export { ReadApiService, type ReadApiServiceOptions } from './read-api-service.js';
export { createReadApiApp, type ReadApiAppOptions } from './app.js';
export { AccountReader, type AccountView } from './account-reader.js';
export { ContactReader, type ContactView, type LeaderboardEntry } from './contact-reader.js';
export { ScoreChangeProjection, type RecentScoreChange } from './score-change-projection.js';
export { ReadApiMetrics } from './metrics.js';
export { RunningGridFollower } from './running-grid-follower.js';
