import { replayEvents, type CompiledGrid, type ReplayedContact } from '@leadscore/engine';
import type { GeneratedEvent } from './synthetic-events.js';

/** The grid with several scores the demo replays its stream under (docs/demo.md). */
export const SEVERAL_SCORES_GRID = 'deploy/grids/b2b.yaml';

const n = (value: number): string => value.toLocaleString('en-US');

/**
 * The summary's lines on several scores: the first `produced` events of the demo's stream (what
 * it produced, in order) replayed under a grid with `scores` and a matrix, each contact's grade
 * counted and the best contacts shown with every score. The live stream runs the demo grid (one
 * score), since the console edits grids of one score only; this shows what the same behaviour
 * gives as engagement, fit and a grade. Pure: time is an argument.
 */
export async function severalScoresSummary(
  grid: CompiledGrid,
  stream: Iterable<GeneratedEvent>,
  produced: number,
  now: number,
): Promise<string[]> {
  const result = await replayEvents(grid, firstLines(stream, produced), now);
  const contacts = result.contacts.filter((c) => c.mergedInto === undefined && c.grade !== undefined);
  const byGrade = new Map<string, number>();
  for (const c of contacts) byGrade.set(c.grade!.grade, (byGrade.get(c.grade!.grade) ?? 0) + 1);
  const grades = [...byGrade].sort(([a], [b]) => (a < b ? -1 : 1)).map(([grade, count]) => `${grade} ${n(count)}`);
  const qualified = contacts.filter((c) => c.grade!.qualified).length;
  const qualifiedGrades = [...(grid.matrix?.qualified ?? [])].join(', ');
  const top = [...contacts]
    .sort((a, b) => b.score - a.score || (a.contactId < b.contactId ? -1 : 1))
    .slice(0, 3)
    .map(describe);
  return [
    `  several scores   the same ${n(result.events)} events replayed under ${SEVERAL_SCORES_GRID} (${grid.scores.map((s) => s.id).join(' + ')}, a grade matrix):`,
    `                   grades ${grades.join(' · ') || '(none)'}; qualified (${qualifiedGrades}): ${n(qualified)} contacts`,
    `                   top ${top.join(' · ') || '(none)'}`,
  ];
}

/** `c-17 engagement 200, fit 60, A1` */
function describe(contact: ReplayedContact): string {
  const scores = (contact.scores ?? []).map((s) => `${s.id} ${n(s.score)}`).join(', ');
  return `${contact.contactId} ${scores}, ${contact.grade?.grade ?? ''}`;
}

function* firstLines(stream: Iterable<GeneratedEvent>, count: number): Generator<string> {
  let taken = 0;
  for (const event of stream) {
    if (taken >= count) return;
    taken += 1;
    yield JSON.stringify(event);
  }
}
