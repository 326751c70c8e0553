/** @leadscore/cli as a library: the command tree and its pieces, for tests and other tools. */
export { buildProgram } from './program.js';
export { ExitCode, type CliIo } from './cli-io.js';
export { CliError, CliErrorCode } from './cli-error.js';
export { gridValidate, describeGrid } from './commands/grid-validate.js';
export { replay, parseAt, type ReplayOptions } from './commands/replay.js';
export { replayJsonLine, replayTableBlock } from './format-replay.js';
export { readLines } from './read-lines.js';
export { readTextFile } from './text-file.js';
