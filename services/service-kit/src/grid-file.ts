import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { compileGrid, loadGrid, type CompiledGrid, type Grid } from '@leadscore/engine';
import { ErrorCode } from '@leadscore/errors';
import { ServiceError } from './service-error.js';

/** The grid every service and the CLI fall back to without GRID_FILE: deploy/grids/starter.yaml. */
export const STARTER_GRID_FILE = fileURLToPath(new URL('../../../deploy/grids/starter.yaml', import.meta.url));

/**
 * Reads and validates a grid file (YAML or JSON), naming the file in every message.
 * @throws ServiceError GRID_UNREADABLE (the file cannot be read), GridValidationError GRID_INVALID
 */
export async function readGridFile(path: string): Promise<Grid> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? String(error);
    throw new ServiceError(ErrorCode.GridUnreadable, `cannot read ${path} (${reason})`, { cause: error });
  }
  return loadGrid(text, path);
}

/** `readGridFile`, compiled for scoring: what the scorer, the read API and the CLI run. */
export async function loadGridFile(path: string): Promise<CompiledGrid> {
  return compileGrid(await readGridFile(path));
}
