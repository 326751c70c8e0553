import { readFile } from 'node:fs/promises';
import { compileGrid, loadGrid, type CompiledGrid } from '@leadscore/engine';
import { ScorerError, ScorerErrorCode } from './scorer-error.js';

/** Reads, validates and compiles the grid file. @throws ScorerError GRID_UNREADABLE, GridValidationError */
export async function loadGridFile(path: string): Promise<CompiledGrid> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new ScorerError(
      ScorerErrorCode.GridUnreadable,
      `cannot read grid file ${path}: ${(error as NodeJS.ErrnoException).code ?? error}`,
      false,
      {
        cause: error,
      },
    );
  }
  return compileGrid(loadGrid(text, path));
}
