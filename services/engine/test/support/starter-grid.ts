import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { compileGrid, loadGrid, type CompiledGrid, type LeadEvent } from '../../src/index.js';

export const STARTER_GRID_FILE = fileURLToPath(new URL('../../../../deploy/grids/starter.yaml', import.meta.url));
export const EXAMPLES_DIR = fileURLToPath(new URL('../../../../deploy/grids/examples/', import.meta.url));

export function starterGrid(): CompiledGrid {
  return compileGrid(loadGrid(readFileSync(STARTER_GRID_FILE, 'utf8'), STARTER_GRID_FILE));
}

export function gridFromYaml(text: string): CompiledGrid {
  return compileGrid(loadGrid(text));
}

export const at = (iso: string): number => Date.parse(iso);

let counter = 0;
/** A valid event; ids are unique unless given. */
export function event(
  type: string,
  properties: LeadEvent['properties'] = {},
  options: { eventId?: string; contactId?: string; occurredAt?: string | number } = {},
): LeadEvent {
  counter += 1;
  const occurredAt = options.occurredAt ?? '2026-03-01T10:00:00Z';
  return {
    eventId: options.eventId ?? `e-${counter}`,
    contactId: options.contactId ?? 'c-1',
    type,
    occurredAt: typeof occurredAt === 'number' ? occurredAt : Date.parse(occurredAt),
    properties,
  };
}
