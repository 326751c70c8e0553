import { CommanderError } from 'commander';
import { ContractError } from '@leadscore/contracts';
import { GridValidationError, formatIssue } from '@leadscore/engine';
import { ErrorCode } from '@leadscore/errors';
import { ServiceError } from '@leadscore/service-kit';
import { CliError } from './cli-error.js';
import { ExitCode, type CliIo } from './cli-io.js';
import { buildProgram } from './program.js';

const io: CliIo = {
  out: (text) => process.stdout.write(`${text}\n`),
  err: (text) => process.stderr.write(`${text}\n`),
  now: () => Date.now(),
};

let exitCode: number = ExitCode.Ok;
const program = buildProgram(io, (code) => {
  exitCode = code;
}).exitOverride();

try {
  await program.parseAsync(process.argv);
} catch (error) {
  if (error instanceof CommanderError) {
    exitCode = error.exitCode === 0 ? ExitCode.Ok : ExitCode.Failure;
  } else if (error instanceof GridValidationError) {
    io.err(`${error.source ?? 'grid'}: ${error.errors.length} error(s)`);
    for (const issue of error.errors) io.err(`  ${formatIssue(issue)}`);
    exitCode = ExitCode.Failure;
  } else if (error instanceof CliError || (error instanceof ServiceError && error.code === ErrorCode.GridUnreadable)) {
    // a file or option the user named: the message says what to fix
    io.err(`leadscore: ${error.message}`);
    exitCode = ExitCode.Failure;
  } else if (error instanceof ServiceError || error instanceof ContractError) {
    // a server refused or could not be reached (credentials, TLS, registry): the reason, no stack
    io.err(`leadscore: ${error.code}: ${error.message}`);
    exitCode = ExitCode.Failure;
  } else {
    throw error;
  }
}
process.exitCode = exitCode;
