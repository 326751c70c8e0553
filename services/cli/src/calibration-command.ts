import { CalibrationError } from '@leadscore/calibration';
import { writeOutputFile } from './calibration-input.js';
import { ExitCode, type CliIo } from './cli-io.js';

/**
 * What `backtest` and `learn` do around their work: exit 2 when some input lines were bad (the
 * rest was used), and a CalibrationError (too little data, a bad outcomes file) as one line on
 * stderr with exit 1. `work` resolves to the number of bad input lines.
 */
export async function runCalibrationCommand(io: CliIo, work: () => Promise<number>): Promise<ExitCode> {
  try {
    const badLines = await work();
    return badLines > 0 ? ExitCode.BadInput : ExitCode.Ok;
  } catch (error) {
    if (!(error instanceof CalibrationError)) throw error;
    io.err(`leadscore: ${error.message}`);
    return ExitCode.Failure;
  }
}

/** Writes a rendered HTML report (`--html`) and says where on stderr. */
export async function writeHtmlReport(file: string, html: string, io: CliIo): Promise<void> {
  await writeOutputFile(file, html);
  io.err(`HTML report written to ${file}`);
}
