import type { Command } from 'commander';
import { formatIssue, parseIsoInstant, replayEvents, type ReplayResult } from '@leadscore/engine';
import { CliError, CliErrorCode } from '../cli-error.js';
import { ExitCode, type CliIo } from '../cli-io.js';
import { loadGridFile, STARTER_GRID_FILE } from '@leadscore/service-kit';
import { replayAccountJsonLine, replayAccountTableBlock, replayJsonLine, replayTableBlock } from '../format-replay.js';
import { readLines } from '../read-lines.js';

export interface ReplayOptions {
  readonly grid: string;
  readonly events: string;
  readonly at?: string;
  readonly format: 'json' | 'table';
}

/** `--at`: an ISO-8601 instant with a zone, or epoch milliseconds. */
export function parseAt(text: string): number {
  const at = /^[0-9]+$/.test(text) ? Number(text) : parseIsoInstant(text);
  if (at === undefined || !Number.isSafeInteger(at)) {
    throw new CliError(
      CliErrorCode.BadOption,
      `--at ${JSON.stringify(text)} is not a time; expected ISO-8601 with a zone, like 2026-03-10T00:00:00Z, or epoch milliseconds`,
    );
  }
  return at;
}

const plural = (n: number, noun: string): string => `${n} ${noun}${n === 1 ? '' : 's'}`;

export async function replay(options: ReplayOptions, io: CliIo): Promise<ExitCode> {
  if (options.format !== 'json' && options.format !== 'table') {
    throw new CliError(CliErrorCode.BadOption, `--format ${JSON.stringify(options.format)} is not known; expected json or table`);
  }
  const now = options.at === undefined ? io.now() : parseAt(options.at);
  const compiled = await loadGridFile(options.grid);
  const result: ReplayResult = await replayEvents(compiled, readLines(options.events), now, {
    onBadLine: (bad) => {
      for (const issue of bad.errors) io.err(`line ${bad.line}: ${formatIssue(issue)}`);
    },
  });
  for (const contact of result.contacts) {
    io.out(options.format === 'json' ? replayJsonLine(contact) : `${replayTableBlock(contact)}\n`);
  }
  // With an `accounts` section, the final account scores follow the contacts (docs/accounts.md).
  for (const account of result.accounts) {
    io.out(options.format === 'json' ? replayAccountJsonLine(account) : `${replayAccountTableBlock(account)}\n`);
  }
  const accounts = compiled.accounts === null ? '' : ` and ${plural(result.accounts.length, 'account')}`;
  // merged-away ids are listed (mergedInto) but are not contacts of their own
  const roots = result.contacts.filter((c) => c.mergedInto === undefined).length;
  const merges = result.merges > 0 ? `${plural(result.merges, 'merge')}, ` : '';
  io.err(
    `replayed ${plural(result.events, 'event')} of ${plural(roots, 'contact')}${accounts} at ${new Date(now).toISOString()} ` +
      `with grid ${compiled.name} v${compiled.version}: ${plural(result.duplicates, 'duplicate')}, ${merges}${plural(result.badLines.length, 'bad line')}`,
  );
  return result.badLines.length > 0 ? ExitCode.BadInput : ExitCode.Ok;
}

export function registerReplayCommand(program: Command, io: CliIo, done: (code: ExitCode) => void): void {
  program
    .command('replay')
    .description('score an NDJSON event file in file order (the reference model): one result per contact, then per account')
    .option('--grid <file>', 'grid file (YAML or JSON)', STARTER_GRID_FILE)
    .requiredOption('--events <file>', 'NDJSON events, one per line ("-" for stdin)')
    .option('--at <time>', 'evaluation time for windows and the future check (ISO-8601 or epoch ms; default: now)')
    .option('--format <format>', 'json (one JSON line per contact) or table', 'json')
    .action(async (options: ReplayOptions) => done(await replay(options, io)));
}
