import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { GridValidationError } from '@leadscore/engine';
import { ErrorCode, exitCodeFor } from '@leadscore/errors';
import { EnvReader, loadGridFile, readGridFile, ServiceError, STARTER_GRID_FILE } from '../src/index.js';

const BROKEN = fileURLToPath(new URL('../../../deploy/grids/examples/broken.yaml', import.meta.url));

describe('the grid loader of the scorer, the read API and the CLI', () => {
  it('falls back to the starter grid, and compiles it', async () => {
    expect(new EnvReader({}).gridFile()).toBe(STARTER_GRID_FILE);
    expect(new EnvReader({ GRID_FILE: '/etc/grid.yaml' }).gridFile()).toBe('/etc/grid.yaml');
    const grid = await loadGridFile(STARTER_GRID_FILE);
    expect(grid.grid.name).toBe((await readGridFile(STARTER_GRID_FILE)).name);
  });

  it('names the path of a file it cannot read: GRID_UNREADABLE, exit 2', async () => {
    const error = await loadGridFile('/nowhere/grid.yaml').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ServiceError);
    expect((error as ServiceError).code).toBe(ErrorCode.GridUnreadable);
    expect((error as Error).message).toBe('cannot read /nowhere/grid.yaml (ENOENT)');
    expect(exitCodeFor(error)).toBe(2);
  });

  it('names the path of an invalid grid in its validation error: GRID_INVALID, exit 2', async () => {
    const error = await loadGridFile(BROKEN).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GridValidationError);
    expect((error as GridValidationError).source).toBe(BROKEN);
    expect((error as Error).message.startsWith(`${BROKEN}: `)).toBe(true);
    expect(exitCodeFor(error)).toBe(2);
  });
});

describe('a grid with several scores at a service start-up', () => {
  const B2B = fileURLToPath(new URL('../../../deploy/grids/b2b.yaml', import.meta.url));

  it('loads with every score and the matrix, for the scorer, the read API and the account service alike', async () => {
    const grid = await loadGridFile(B2B);
    expect(grid.multiScore).toBe(true);
    expect(grid.scores.map((s) => s.id)).toEqual(['engagement', 'fit']);
    expect(grid.matrix?.qualified).toEqual(new Set(['A1', 'A2', 'B1']));
  });
});
