import { readFile } from 'node:fs/promises';
import { CliError, CliErrorCode } from './cli-error.js';

/** A whole file named on the command line. @throws CliError CLI_FILE_UNREADABLE */
export async function readTextFile(file: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? String(error);
    throw new CliError(CliErrorCode.FileUnreadable, `cannot read ${file} (${reason})`, { cause: error });
  }
}
