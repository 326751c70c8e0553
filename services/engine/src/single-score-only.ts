import type { CompiledGrid } from './compile-grid.js';
import { GridValidationError } from './errors.js';

/**
 * Refuses a grid with `scores` (or a `matrix`) for a part of leadscore that handles one score
 * per contact in this version (docs/grid-authoring.md "Several scores": the console). Called
 * where that part takes its grid, so the grid is refused with its path, never handled as if it
 * had one score.
 *
 * @throws GridValidationError
 */
export function requireSingleScore(compiled: CompiledGrid, what: string): CompiledGrid {
  if (!compiled.multiScore) return compiled;
  throw new GridValidationError(
    [
      {
        path: 'scores',
        message: `${what} handles one score per contact in this version of leadscore; a grid with several scores (scores, matrix) runs in the scorer, replay and the read API (docs/grid-authoring.md)`,
      },
    ],
    `${compiled.name} v${compiled.version}`,
  );
}
