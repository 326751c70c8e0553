import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { compileGrid, loadGrid, type CompiledGrid, type Grid } from '@leadscore/engine';
import { CliError, CliErrorCode } from './cli-error.js';

/** The default grid file: deploy/grids/starter.yaml of this repository. */
export const DEFAULT_GRID_FILE = fileURLToPath(new URL('../../../deploy/grids/starter.yaml', import.meta.url));

export async function readTextFile(file: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? String(error);
    throw new CliError(CliErrorCode.FileUnreadable, `cannot read ${file} (${reason})`, { cause: error });
  }
}

/** Reads and validates a grid file. @throws CliError, GridValidationError */
export async function readGridFile(file: string): Promise<Grid> {
  return loadGrid(await readTextFile(file), file);
}

export async function readCompiledGrid(file: string): Promise<CompiledGrid> {
  return compileGrid(await readGridFile(file));
}
