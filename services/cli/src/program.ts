import { Command } from 'commander';
import { ExitCode, type CliIo } from './cli-io.js';
import { registerGridCommands } from './commands/grid-validate.js';
import { registerReplayCommand } from './commands/replay.js';
import { registerBacktestCommand } from './commands/backtest.js';
import { registerLearnCommand } from './commands/learn.js';
import { registerDlqCommands } from './commands/dlq.js';
import { registerRebuildCommand } from './commands/rebuild.js';

/**
 * Builds the `leadscore` command tree without running it. Each subcommand registers itself;
 * add new ones (backtest, learn, dlq, rebuild) with a `register...` call here.
 */
export function buildProgram(io: CliIo, done: (code: ExitCode) => void): Command {
  const program = new Command('leadscore')
    .description('leadscore: streaming lead scoring. Validate grids and replay events offline.')
    .configureOutput({ writeOut: (s) => io.out(s.trimEnd()), writeErr: (s) => io.err(s.trimEnd()) })
    .showHelpAfterError();
  registerGridCommands(program, io, done);
  registerReplayCommand(program, io, done);
  registerBacktestCommand(program, io, done);
  registerLearnCommand(program, io, done);
  registerDlqCommands(program, io, done);
  registerRebuildCommand(program, io, done);
  return program;
}

export { ExitCode };
