import type { CompiledGrid } from './compile-grid.js';
import { GridValidationError } from './errors.js';

/**
 * Refuses a grid with `scores` (or a `matrix`) for a part of leadscore that scores one score
 * per contact in this version: the engine and `leadscore replay` score several, the streaming
 * services do not yet (docs/grid-authoring.md "Several scores"). Called where a service takes
 * its grid, so the grid is refused at start-up (or at publication) with its path, never scored
 * as if it had one score.
 *
 * @throws GridValidationError
 */
export function requireSingleScore(compiled: CompiledGrid, what: string): CompiledGrid {
  if (!compiled.multiScore) return compiled;
  throw new GridValidationError(
    [
      {
        path: 'scores',
        message: `${what} scores one score per contact in this version of leadscore; several scores (scores, matrix) are scored by the engine and leadscore replay only (docs/grid-authoring.md)`,
      },
    ],
    `${compiled.name} v${compiled.version}`,
  );
}
