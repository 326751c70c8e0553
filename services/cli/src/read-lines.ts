import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { CliError, CliErrorCode } from './cli-error.js';

/**
 * The lines of a file (or stdin for `-`), streamed: a million-line NDJSON file never has to
 * fit in memory as one string.
 */
export async function* readLines(file: string): AsyncGenerator<string> {
  const input = file === '-' ? process.stdin : createReadStream(file, { encoding: 'utf8' });
  const opened = new Promise<void>((resolve, reject) => {
    if (file === '-') resolve();
    input.once('open', () => resolve());
    input.once('error', (error: NodeJS.ErrnoException) =>
      reject(new CliError(CliErrorCode.FileUnreadable, `cannot read ${file} (${error.code ?? error.message})`, { cause: error })),
    );
  });
  await opened;
  yield* createInterface({ input, crlfDelay: Infinity });
}
