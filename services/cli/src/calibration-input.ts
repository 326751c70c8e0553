import { writeFile } from 'node:fs/promises';
import {
  chosenScore,
  eventTypeGrid,
  contactRows,
  formatLineError,
  parseOutcomes,
  readEventHistory,
  type ContactRows,
  type EventHistory,
  type Outcome,
} from '@leadscore/calibration';
import { compileGrid, type Grid } from '@leadscore/engine';
import { CliError, CliErrorCode } from './cli-error.js';
import type { CliIo } from './cli-io.js';
import { readGridFile } from '@leadscore/service-kit';
import { readTextFile } from './text-file.js';
import { parseAt } from './commands/replay.js';
import { readLines } from './read-lines.js';

export interface CalibrationInput {
  /** The grid the contacts were evaluated with (the generated event-type grid without --grid). */
  readonly grid: Grid;
  readonly basis: 'grid' | 'event-types';
  readonly at: number;
  /** `--score`, as given (undefined: the grid's first score). */
  readonly score: string | undefined;
  readonly contacts: ContactRows;
  /** What the contacts were evaluated from, to evaluate another grid (learn's proposal) the same way. */
  readonly history: EventHistory;
  readonly outcomes: readonly Outcome[];
  /** Bad lines of both files and outcome rows of unknown contacts, all printed already. */
  readonly badLines: number;
}

const plural = (n: number, noun: string): string => `${n} ${noun}${n === 1 ? '' : 's'}`;

/**
 * Reads the three inputs of backtest and learn, prints every bad line (file and line number)
 * to stderr as it goes, and evaluates each labelled contact with the grid at its cut-off.
 * @throws CliError, GridValidationError, CalibrationError
 */
export async function readCalibrationInput(
  options: {
    readonly grid?: string;
    readonly events: string;
    readonly outcomes: string;
    readonly at?: string;
    readonly score?: string;
  },
  io: CliIo,
): Promise<CalibrationInput> {
  const at = options.at === undefined ? io.now() : parseAt(options.at);
  const given = options.grid === undefined ? undefined : await readGridFile(options.grid);
  // an unknown --score fails before the event file is read (the generated grid is checked below)
  if (given !== undefined) chosenScore(compileGrid(given), options.score);
  const outcomes = parseOutcomes(await readTextFile(options.outcomes), options.outcomes);
  // the future check uses the clock (or --at if later): a past --at only leaves later events out
  const history = await readEventHistory(readLines(options.events), Math.max(at, io.now()), options.events);
  const grid = given ?? eventTypeGrid([...history.byContact.values()].flatMap((events) => events.map((e) => e.type)));
  if (grid.rules.length === 0) {
    throw new CliError(
      CliErrorCode.BadOption,
      `${options.events}: no behavioural events to learn from (only contact updates, or no valid line)`,
    );
  }
  const contacts = contactRows(grid, history, outcomes.outcomes, at, options.outcomes, { score: options.score });
  const bad = [...outcomes.errors, ...history.badLines, ...contacts.unknownContacts];
  for (const line of bad) io.err(formatLineError(line));
  io.err(
    `read ${plural(history.events, 'event')} (${plural(history.badLines.length, 'bad line')}) and ` +
      `${plural(outcomes.outcomes.length, 'outcome')} (${plural(outcomes.errors.length, 'bad line')}, ${plural(contacts.unknownContacts.length, 'unknown contact')}); ` +
      `${plural(contacts.eventsAfterCutoff, 'event')} after a cut-off (convertedAt or --at) left out` +
      (contacts.unlabelledContacts > 0
        ? `; ${plural(contacts.unlabelledEvents, 'event')} of ${plural(contacts.unlabelledContacts, 'contact')} without an outcome ignored`
        : ''),
  );
  return {
    grid,
    basis: given === undefined ? 'event-types' : 'grid',
    at,
    score: options.score,
    contacts,
    history,
    outcomes: outcomes.outcomes,
    badLines: bad.length,
  };
}

export async function writeOutputFile(file: string, text: string): Promise<void> {
  try {
    await writeFile(file, text, 'utf8');
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? String(error);
    throw new CliError(CliErrorCode.FileUnreadable, `cannot write ${file} (${reason})`, { cause: error });
  }
}

/** Plain-text table: columns padded, numeric ones right-aligned. */
export function textTable(
  head: readonly string[],
  rows: readonly (readonly (string | number)[])[],
  numeric: readonly boolean[] = [],
): string {
  const cells = [head, ...rows].map((r) => r.map(String));
  const widths = head.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? '').length)));
  return cells
    .map((r) =>
      r
        .map((c, i) => (numeric[i] ? c.padStart(widths[i]!) : c.padEnd(widths[i]!)))
        .join('  ')
        .trimEnd(),
    )
    .map((line) => `  ${line}`)
    .join('\n');
}

export const percent = (x: number): string => `${(x * 100).toFixed(1)} %`;
export const aucText = (x: number | null): string => (x === null ? 'n/a' : x.toFixed(3));
