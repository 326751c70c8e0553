import type { AccountStanding } from './account-board.js';
import { type ContactStanding, type CrossingSeen } from './score-board.js';
import type { ScorerProgress } from './scorer-metrics-probe.js';

/** Everything one frame shows, gathered by the live view. */
export interface ViewSnapshot {
  readonly prefix: string;
  readonly elapsedMs: number;
  /** Shutting down: waiting for the scorer to finish. */
  readonly stopping: boolean;
  readonly produced: number;
  readonly resent: number;
  readonly totalEvents: number;
  readonly streamFinished: boolean;
  readonly producedPerSecond: number;
  readonly scoreChanges: number;
  readonly changesPerSecond: number;
  readonly contactsScored: number;
  readonly upCrossings: number;
  readonly downCrossings: number;
  /** Of the up crossings, those an identity merge made (anonymous visits counted at sign-up). */
  readonly mergeUpCrossings: number;
  readonly top: readonly ContactStanding[];
  readonly crossings: readonly CrossingSeen[];
  /** From the scorer's /metrics; null until it answers. */
  readonly scorer: ScorerProgress | null;
  readonly scorerLogFile: string;
  /** The console's address (docs/console.md); null when it did not start. */
  readonly consoleUrl: string | null;
  /** The companies, from the account service's outputs; null when it does not run. */
  readonly accounts: AccountsView | null;
}

export interface AccountsView {
  /** The account threshold told about (the MQA). */
  readonly threshold: { readonly name: string; readonly at: number };
  /** Highest score first. */
  readonly standings: readonly AccountStanding[];
  readonly upCrossings: number;
  readonly downCrossings: number;
  readonly logFile: string;
}

const BOLD = '\x1b[1m';
const DIM = '\x1b[2m';
const GREEN = '\x1b[32m';
const RED = '\x1b[31m';
const RESET = '\x1b[0m';

const n = (value: number) => Math.round(value).toLocaleString('en-US');

export function formatElapsed(ms: number): string {
  const seconds = Math.floor(ms / 1000);
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = String(seconds % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${s}` : `${m}:${s}`;
}

/**
 * The full-screen frame for a terminal: lines no wider than `width` (colour codes aside).
 * `ansi` adds bold/dim/colours.
 */
export function renderFrame(view: ViewSnapshot, width: number, ansi = true): string[] {
  const paint = (code: string, text: string) => (ansi ? `${code}${fit(text, width)}${RESET}` : fit(text, width));
  const lines: string[] = [];
  const line = (text = '') => lines.push(fit(text, width));
  const stream = view.streamFinished ? 'stream complete' : `${n(view.producedPerSecond)}/s`;

  const state = view.stopping ? 'stopping: waiting for the scorer…' : 'Ctrl-C to stop';
  lines.push(paint(BOLD, `leadscore demo · ${view.prefix}.* · ${formatElapsed(view.elapsedMs)} · ${state}`));
  line('─'.repeat(Math.min(width, 78)));
  line(
    `events produced  ${pad(`${n(view.produced)} / ${n(view.totalEvents)}`, 17)} ${pad(stream, 16)} ${n(view.resent)} exact re-sends`,
  );
  line(`scorer           ${scorerText(view.scorer)}`);
  line(
    `score changes    ${pad(n(view.scoreChanges), 17)} ${pad(`${n(view.changesPerSecond)}/s`, 16)} ${n(view.contactsScored)} contacts scored`,
  );
  line(
    `MQL crossings    ${n(view.upCrossings)} up · ${n(view.downCrossings)} down · ${n(view.mergeUpCrossings)} by an identity merge`,
  );
  line();
  lines.push(paint(BOLD, ' #  contact       score  last change'));
  view.top.forEach((c, i) =>
    line(`${pad(String(i + 1), 2, true)}  ${pad(c.contactId, 10)} ${pad(n(c.score), 7, true)}  ${c.lastChange}`),
  );
  if (view.top.length === 0) lines.push(paint(DIM, '    (waiting for the first score changes)'));
  line();
  if (view.accounts) {
    const { threshold, standings } = view.accounts;
    lines.push(paint(BOLD, `    company            score  people  ${threshold.name} (${n(threshold.at)})`));
    for (const a of standings) {
      const since = a.qualified ? `  ▲ since ${clock(a.qualified.at)}` : '';
      const text = `    ${pad(a.accountId, 16)} ${pad(n(a.score), 7, true)}  ${pad(n(a.members), 6, true)}${since}`;
      lines.push(a.qualified ? paint(GREEN, text) : fit(text, width));
    }
    line();
  }
  lines.push(paint(BOLD, 'latest MQL crossings'));
  for (const c of view.crossings) {
    const text = `${clock(c.at)}  ${c.direction === 'UP' ? '▲' : '▼'} ${pad(c.contactId, 10)} ${pad(n(c.score), 7, true)}  ${c.cause}`;
    lines.push(paint(c.direction === 'UP' ? GREEN : RED, text));
  }
  if (view.crossings.length === 0) lines.push(paint(DIM, '  (none yet)'));
  line();
  if (view.consoleUrl) lines.push(paint(BOLD, `console: ${view.consoleUrl}`));
  lines.push(paint(DIM, `scorer log: ${view.scorerLogFile}`));
  if (view.accounts) lines.push(paint(DIM, `account service log: ${view.accounts.logFile}`));
  return lines;
}

/** One compact line, for when stdout is not a terminal (CI, pipes). */
export function renderStatusLine(view: ViewSnapshot): string {
  const top = view.top[0];
  return [
    `demo ${formatElapsed(view.elapsedMs)}`,
    `events ${n(view.produced)}${view.streamFinished ? ' (complete)' : ` (${n(view.producedPerSecond)}/s)`}`,
    `scored ${view.scorer ? n(view.scorer.scored) : '?'}`,
    `score changes ${n(view.scoreChanges)}`,
    `MQL ${n(view.upCrossings)} up ${n(view.downCrossings)} down`,
    top ? `top ${top.contactId} ${n(top.score)}` : 'top -',
    ...(view.accounts ? [`${view.accounts.threshold.name} ${qualifiedNames(view.accounts) || '-'}`] : []),
  ].join(' · ');
}

/** The final summary, printed once on the way out. */
export function renderSummary(view: ViewSnapshot, reason: string): string {
  const top = view.top.slice(0, 5).map((c) => `${c.contactId} ${n(c.score)}`);
  return [
    `leadscore demo stopped after ${formatElapsed(view.elapsedMs)} (${reason})`,
    `  events produced  ${n(view.produced)} (${n(view.resent)} exact re-sends); scorer scored ${view.scorer ? n(view.scorer.scored) : 'unknown'}`,
    `  score changes    ${n(view.scoreChanges)} across ${n(view.contactsScored)} contacts`,
    `  MQL crossings    ${n(view.upCrossings)} up, ${n(view.downCrossings)} down`,
    `  identity merges  ${n(view.mergeUpCrossings)} anonymous visitor(s) became an MQL when they signed up (their visits counted)`,
    `  top contacts     ${top.length > 0 ? top.join(' · ') : '(none)'}`,
    ...(view.accounts ? accountsSummary(view.accounts) : []),
    `  topics           ${view.prefix}.* (Redis keys ${view.prefix}:*)`,
    `  scorer log       ${view.scorerLogFile}`,
    ...(view.accounts ? [`  accounts log     ${view.accounts.logFile}`] : []),
    ...(view.consoleUrl ? [`  console          ${view.consoleUrl} (stopped with the demo)`] : []),
  ].join('\n');
}

/** The companies' scores, and which are at or above the threshold (their last crossing was up). */
function accountsSummary(accounts: AccountsView): string[] {
  const { threshold, standings, upCrossings, downCrossings } = accounts;
  const companies = standings.map((a) => `${a.accountId} ${n(a.score)}${a.qualified ? ` ${threshold.name}` : ''}`);
  const qualified = qualifiedNames(accounts);
  const outcome = `${qualified || 'no company'} reached ${threshold.name} (${n(threshold.at)})`;
  return [
    `  companies        ${companies.length > 0 ? companies.join(' · ') : '(none)'}`,
    `  ${pad(`${threshold.name} crossings`, 16)} ${n(upCrossings)} up, ${n(downCrossings)} down: ${outcome}`,
  ];
}

function qualifiedNames(accounts: AccountsView): string {
  return accounts.standings
    .filter((a) => a.qualified)
    .map((a) => a.accountId)
    .join(', ');
}

function scorerText(progress: ScorerProgress | null): string {
  if (!progress) return 'starting…';
  return `${n(progress.scored)} events scored · ${n(progress.duplicates)} duplicates ignored · lag ${n(progress.lag)}`;
}

function clock(epochMs: number): string {
  return new Date(epochMs).toTimeString().slice(0, 8);
}

function pad(text: string, width: number, right = false): string {
  return right ? text.padStart(width) : text.padEnd(width);
}

/** Cuts a line to `width` characters (the frame never wraps, so the screen never scrolls). */
function fit(text: string, width: number): string {
  return text.length <= width ? text : `${text.slice(0, Math.max(0, width - 1))}…`;
}
