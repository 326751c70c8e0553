import { describe, expect, it } from 'vitest';
import { formatElapsed, renderFrame, renderStatusLine, renderSummary, type ViewSnapshot } from '../src/live-view-render.js';
import { parseScorerMetrics } from '../src/scorer-metrics-probe.js';

const VIEW: ViewSnapshot = {
  prefix: 'demo-20260301-120000',
  elapsedMs: 42_000,
  stopping: false,
  produced: 8412,
  resent: 164,
  totalEvents: 12000,
  streamFinished: false,
  producedPerSecond: 201,
  scoreChanges: 2113,
  changesPerSecond: 51,
  contactsScored: 287,
  upCrossings: 41,
  mergeUpCrossings: 3,
  downCrossings: 3,
  top: [{ contactId: 'c-00017', score: 4710, sequence: 9, lastChange: '+800 webinar-attendance' }],
  crossings: [
    {
      contactId: 'c-00231',
      threshold: 'MQL',
      direction: 'UP',
      score: 1000,
      sequence: 2,
      at: Date.UTC(2026, 2, 1, 12, 0, 41),
      cause: '+1000 high-velocity-asset',
    },
  ],
  scorer: { scored: 8390, duplicates: 57, lag: 22 },
  scorerLogFile: '.stack/logs/demo-scorer.log',
  consoleUrl: 'http://127.0.0.1:8095/ (sign in with the key k)',
  accounts: {
    threshold: { name: 'MQA', at: 6000 },
    standings: [
      {
        accountId: 'acme.example',
        score: 10_950,
        members: 4,
        sequence: 12,
        qualified: { at: Date.UTC(2026, 2, 1, 12, 0, 3), score: 6210 },
      },
      { accountId: 'globex.example', score: 5000, members: 4, sequence: 9, qualified: null },
      { accountId: 'initech.example', score: 0, members: 0, sequence: 0, qualified: null },
    ],
    upCrossings: 1,
    downCrossings: 0,
    logFile: '.stack/logs/accounts.log',
  },
};

describe('live view rendering', () => {
  it('draws a frame that fits the terminal width, with totals, the top contacts and the latest crossings', () => {
    const lines = renderFrame(VIEW, 60, false);
    expect(lines.every((l) => l.length <= 60)).toBe(true);
    const text = lines.join('\n');
    expect(text).toContain('0:42');
    expect(text).toContain('8,412 / 12,000');
    expect(text).toContain('8,390 events scored');
    expect(text).toContain('41 up · 3 down');
    expect(text).toMatch(/1 {2}c-00017 +4,710 {2}\+800 webinar-attendance/);
    expect(text).toMatch(/▲ c-00231 +1,000 {2}\+1000 high-velocity-asset/);
    // the companies, the MQA with when it crossed
    expect(text).toMatch(/company +score +people +MQA \(6,000\)/);
    expect(text).toMatch(/acme\.example +10,950 +4 {2}▲ since \d\d:\d\d:\d\d/);
    expect(text).toMatch(/globex\.example +5,000 +4 *\n/);
    expect(text).toMatch(/initech\.example +0 +0 *\n/);
    expect(text).toContain('account service log: .stack/logs/accounts.log');
  });

  it('shows no companies without the account service', () => {
    const text = renderFrame({ ...VIEW, accounts: null }, 100, false).join('\n');
    expect(text).not.toContain('company');
    expect(renderStatusLine({ ...VIEW, accounts: null })).not.toContain('MQA');
    expect(renderSummary({ ...VIEW, accounts: null }, 'Ctrl-C')).not.toMatch(/companies|MQA/);
  });

  it('says when it is stopping, and colours only with ansi', () => {
    expect(renderFrame({ ...VIEW, stopping: true }, 100, false)[0]).toContain('stopping');
    expect(renderFrame(VIEW, 100, false).join('')).not.toContain('\x1b');
    expect(renderFrame(VIEW, 100, true).join('')).toContain('\x1b[32m');
  });

  it('prints a compact status line and a final summary', () => {
    expect(renderStatusLine(VIEW)).toBe(
      'demo 0:42 · events 8,412 (201/s) · scored 8,390 · score changes 2,113 · MQL 41 up 3 down · top c-00017 4,710 · MQA acme.example',
    );
    const summary = renderSummary(VIEW, 'Ctrl-C');
    expect(summary).toMatch(/stopped after 0:42 \(Ctrl-C\)/);
    expect(summary).toMatch(/score changes +2,113 across 287 contacts/);
    expect(summary).toMatch(/MQL crossings +41 up, 3 down/);
    expect(summary).toMatch(/console +http:\/\/127.0.0.1:8095\//);
    expect(summary).toContain('  companies        acme.example 10,950 MQA · globex.example 5,000 · initech.example 0');
    expect(summary).toContain('  MQA crossings    1 up, 0 down: acme.example reached MQA (6,000)');
    expect(summary).toContain('  accounts log     .stack/logs/accounts.log');
    const none = renderSummary(
      { ...VIEW, accounts: { ...VIEW.accounts!, standings: VIEW.accounts!.standings.slice(1), upCrossings: 0 } },
      'Ctrl-C',
    );
    expect(none).toContain('  MQA crossings    0 up, 0 down: no company reached MQA (6,000)');
  });

  it('formats elapsed time', () => {
    expect([formatElapsed(0), formatElapsed(61_500), formatElapsed(3_726_000)]).toEqual(['0:00', '1:01', '1:02:06']);
  });
});

describe('parseScorerMetrics', () => {
  it('sums the counters the view shows over their label sets', () => {
    const text = [
      '# HELP leadscore_events_scored_total Valid events applied',
      'leadscore_events_scored_total 120',
      'leadscore_events_duplicate_total 3',
      'leadscore_consumer_lag{topic="a",partition="0"} 5',
      'leadscore_consumer_lag{topic="a",partition="1"} 7',
    ].join('\n');
    expect(parseScorerMetrics(text)).toEqual({ scored: 120, duplicates: 3, lag: 12 });
  });
});
